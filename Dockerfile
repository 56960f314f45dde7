# syntax=docker/dockerfile:1
# Sluice: SMTP capture server with a web inbox.
#   docker build -t sluice .
#   docker run -p 1025:1025 -p 1587:1587 -p 1465:1465 -p 8025:8025 -v sluice-data:/data sluice
# Node 24 is an LTS line until April 2028 (Node 20 reached its end in April 2026).

FROM node:24-trixie-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json vite.config.ts ./
COPY src ./src
COPY ui ./ui
RUN npm run build && npm prune --omit=dev

FROM node:24-trixie-slim
# The local CA and its certificate are kept beside the database, in /data:
#   docker run --rm -v sluice-data:/data sluice tls ca --pem > sluice-ca.crt
ENV NODE_ENV=production \
    SLUICE_SMTP=0.0.0.0:1025 \
    SLUICE_SMTP_STARTTLS=0.0.0.0:1587 \
    SLUICE_SMTPS=0.0.0.0:1465 \
    SLUICE_HTTP=0.0.0.0:8025 \
    SLUICE_DB=/data/sluice.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/ui-dist ./ui-dist
# `sluice` on PATH for docker exec (sluice tls ca, sluice sendmail); tsc does not set +x.
RUN chmod +x dist/main.js dist/bin/sendmail.js \
 && ln -s /app/dist/main.js /usr/local/bin/sluice \
 && mkdir -p /data && chown node:node /data
# Runs as uid 1000: a bind-mounted /data must be writable by it, or startup stops and says so.
USER node
VOLUME /data
EXPOSE 1025 1587 1465 8025
# Readiness (503 while the store cannot take mail), found the way the server finds its own
# address: SLUICE_* env, the --config file, and the flags given to `docker run IMAGE --flag`
# (read from the server's command line, PID 1). See README "Health and readiness".
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
  CMD ["node", "dist/main.js", "healthcheck"]
# Node as PID 1 gets SIGTERM from `docker stop` and shuts down cleanly.
ENTRYPOINT ["node", "dist/main.js"]
