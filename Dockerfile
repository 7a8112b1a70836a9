# One image for every Souk service and for the one-shot jobs around them (docker-compose.yml):
#   SOUK_SERVICE=orders SOUK_REPLICA=orders-1  ->  gunicorn 'services.orders.app:create_app()'
# It holds no secret: credentials come from volumes or the environment at run time.

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-slim

# The web front end, built once here; the gateway-config job copies it where nginx serves it.
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./
RUN npm run build

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# The pinned dependencies are read from pyproject.toml itself (there is no second list to
# drift), in a layer of their own so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/pinned-dependencies \
    && pip install --requirement /tmp/pinned-dependencies \
    && rm /tmp/pinned-dependencies

COPY libs ./libs
COPY launcher ./launcher
COPY services ./services
COPY gateway ./gateway
COPY deploy ./deploy
COPY clients ./clients
COPY --from=web /web/dist ./web/dist
# Editable, as in a checkout: souk_kit finds services/*/migrations and the launcher finds
# gateway/nginx.conf beside the code. pip check proves the layer above matches pyproject.toml.
RUN pip install --no-deps --editable . && pip check


FROM ${PYTHON_IMAGE}
# Fixed ids, so volumes keep their owner across rebuilds and compose can name the user.
RUN groupadd --system --gid 10001 souk \
    && useradd --system --uid 10001 --gid souk --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin souk \
    && install -d -o souk -g souk -m 0755 /srv/souk/media /etc/souk-gateway /var/lib/souk /var/lib/souk/mail \
    && install -d -o souk -g souk -m 0700 /var/lib/souk/secrets \
    && for volume in postgres admin auth products cart orders inventory reviews shipping activity; do \
        install -d -o souk -g souk -m 0700 "/var/lib/souk/secrets/$volume"; \
    done

# Code and virtualenv stay owned by root: the service cannot rewrite itself.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SOUK_PORT=8000 \
    SOUK_VAR_DIR=/var/lib/souk \
    SOUK_LOG_DIR=/var/lib/souk/log \
    SOUK_MEDIA_DIR=/srv/souk/media
WORKDIR /app
USER souk:souk
EXPOSE 8000

HEALTHCHECK --interval=5s --timeout=4s --start-period=30s --retries=5 \
    CMD ["python", "-m", "deploy.healthcheck"]
CMD ["python", "-m", "deploy.serve"]
