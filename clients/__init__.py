"""Client artefacts generated from the services' OpenAPI documents: the Postman collection
and environment (`make postman`) and the Swagger UI page the gateway serves at `/docs`."""
