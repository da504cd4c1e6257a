# syntax=docker/dockerfile:1
#
# One image for every role; the command names the role:
#   docker build -t chat-node .
#   docker run --init --rm chat-node migrate          (CHAT_POSTGRES_URL)
#   docker run --init -p 8080:8080 chat-node gateway  (and fanout, presence, pusher)
# Settings come from CHAT_* environment variables (README, Configuration); the JWT secret from a
# mounted file named by CHAT_JWT_SECRET_FILE, never from the command line. docs/deploy.md has the rest.

ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only: the runtime stage takes node_modules from here, so no compiler
# or test tool reaches the image. --ignore-scripts: the package's own `prepare` would run tsc,
# which is not installed here, and the two install scripts in the tree (@firebase/util,
# protobufjs) write nothing the roles read.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# The compiler: every dependency, then tsc into dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

FROM ${NODE_IMAGE} AS runtime
# A user of its own, with a fixed uid so a mounted secret can be made readable to it (10001).
RUN groupadd --system --gid 10001 chat-node \
 && useradd --system --uid 10001 --gid chat-node --home-dir /var/lib/chat-node --create-home --shell /usr/sbin/nologin chat-node
WORKDIR /app
# Owned by root and read-only to chat-node: the process cannot change its own code.
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN ln -s /app/bin/run.js /usr/local/bin/chat-node
# In a container the admin listener (/healthz, /readyz, /metrics) must leave the loopback for
# Prometheus and the health check to reach it; keep its port off published ports. Every role
# serves it on 9089 here (CHAT_ADMIN_PORT, CHAT_ADMIN_HOST: --admin-port, --admin-host).
# CHAT_DATA_DIR: where `pusher --fake` writes what its fakes accept.
ENV CHAT_ADMIN_HOST=0.0.0.0 \
    CHAT_ADMIN_PORT=9089 \
    CHAT_DATA_DIR=/var/lib/chat-node
# 8080: the gateway's client port (WebSocket and long-poll); 9089: every role's admin listener.
EXPOSE 8080 9089
USER chat-node
# Liveness of the admin listener (what compose's `condition: service_healthy` waits for). Whether
# the role can do its work is /readyz, which Prometheus watches: a role cut off from Postgres stays
# healthy here, so an orchestrator that restarts unhealthy containers leaves it to reconnect.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/deploy/healthcheck.mjs"]
ENTRYPOINT ["chat-node"]
CMD ["--help"]
