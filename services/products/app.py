from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> Flask:
    settings = settings or ServiceSettings()
    return create_service_app("products", settings, [])
