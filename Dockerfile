# syntax=docker/dockerfile:1
# One image for every GeoWarn service; docker-compose.yml picks the service with its `command`
# (`node dist/<service>/main.js`) and the one-shot `init` (`node dist/cli/main.js import …`).

# Node 20 is what CI runs (.ci/run); package.json asks for >= 20.19.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 is a native addon: when no prebuilt binary matches, npm ci compiles it with these.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The lock file alone first, so that a source change does not reinstall every dependency.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# tsc to dist/, Vite to dist/web (the dashboard's browser app); then drop the dev dependencies
# (TypeScript, Vite, ESLint, vitest) from node_modules, keeping the compiled better-sqlite3.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Rule tables, the example registry and scenario: the rules service and the dashboard read the
# rule files at run time (GEOWARN_RULES_FILE defaults to config/rules-default.json).
COPY --from=build /app/config ./config
# The mount point of the named volumes (docker-compose.yml: platform.db, ingest's spool), owned by
# the unprivileged user: a new named volume takes the ownership of the folder it is mounted on.
RUN mkdir -p /data && chown node:node /data
USER node
# MQTT (TCP), MQTT over WebSocket, dashboard and API.
EXPOSE 1883 8083 3000
CMD ["node", "dist/cli/main.js", "help"]
