# Image unique pour le web, les workers et beat (la commande change).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH="/opt/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=config.settings.production

# WeasyPrint (Pango), LibreOffice sans interface pour DOCX → PDF, polices DejaVu.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       libreoffice-writer-nogui fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.db \
    ECHARPE_CLES_CHIFFREMENT=YnVpbGQtc2V1bGVtZW50LWNsZS1mZXJuZXQtMzJvY3Q= \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home /app echarpe \
    && mkdir -p /app/media /app/data && chown -R echarpe /app/media /app/data

USER echarpe
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
