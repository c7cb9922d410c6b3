# The gateway and the worker share this image; the command picks the role.
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway gateway
COPY resolvers resolvers
COPY tasks tasks
RUN pip install --no-cache-dir . && useradd --system gateway

USER gateway
ENV GATEWAY_ENV=production
# The gateway serves on 8000; a worker serves its metrics on 9100.
EXPOSE 8000 9100
CMD ["outbound-gateway", "serve", "--host", "0.0.0.0", "--port", "8000"]
