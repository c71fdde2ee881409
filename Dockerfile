FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 ledgerline
USER ledgerline

# JSON request logs on stdout/stderr for the container runtime; /metrics aggregates every worker
# (`ledgerline serve` gives them a shared PROMETHEUS_MULTIPROC_DIR under /tmp by itself).
ENV HOST=0.0.0.0 PORT=8000 WEB_CONCURRENCY=2 LEDGERLINE_LOG_FORMAT=json
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/readyz', timeout=2)"
# Migrations run on start, then the server replaces the shell (exec) so it gets SIGTERM directly.
CMD ["sh", "-c", "ledgerline migrate && exec ledgerline serve --workers ${WEB_CONCURRENCY}"]
