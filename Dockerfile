# syntax=docker/dockerfile:1
# Sluice: SMTP capture server with a web inbox.
#   docker build -t sluice .
#   docker run -p 1025:1025 -p 8025:8025 -v sluice-data:/data sluice

FROM node:20-bookworm-slim AS build
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

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    SLUICE_SMTP=0.0.0.0:1025 \
    SLUICE_HTTP=0.0.0.0:8025 \
    SLUICE_DB=/data/sluice.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/ui-dist ./ui-dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 1025 8025
# Readiness (503 while the store cannot take mail), found the way the server finds its own
# address: SLUICE_* env, the --config file, and the flags given to `docker run IMAGE --flag`
# (read from the server's command line, PID 1). See README "Health and readiness".
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
  CMD ["node", "dist/main.js", "healthcheck"]
# Node as PID 1 gets SIGTERM from `docker stop` and shuts down cleanly.
ENTRYPOINT ["node", "dist/main.js"]
