# careergate's container image: the gateway, its CLI and its workers, from the pinned lock.
#   docker build -t careergate .
#   docker run -p 8080:8080 -e CAREERGATE_MASTER_KEY=... -e OPENAI_API_KEY=... careergate
# deploy/compose.yaml and deploy/kubernetes/ run it; docs/operations.md explains them.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CAREERGATE_DATA_DIR=/var/lib/careergate

WORKDIR /app

# The lock pins every package; as constraints it pins careergate's runtime dependencies
# without installing the development tools it also lists.
COPY requirements.lock pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir -c requirements.lock . \
    && useradd --system --uid 10001 --home-dir /var/lib/careergate --create-home careergate

USER 10001
EXPOSE 8080

# The supervisor is PID 1 and gets SIGTERM: it drains its workers (CAREERGATE_DRAIN_SECONDS)
# and exits once in-flight requests and streams are finished and records are written.
ENTRYPOINT ["careergate"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--workers", "2"]
