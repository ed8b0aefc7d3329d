# syntax=docker/dockerfile:1
#
# One image for every vnfm process; the command picks the role, by the name of
# its package.json script (see deploy/docker-entrypoint.sh):
#   start:api | start:monitor | start:conductor | db:migrate | vnfm <args>
# TypeScript runs through tsx (a runtime dependency): there is no build step.
#
# Base: Debian bookworm, the distribution CI tests on (same ping, fping and
# iproute2), glibc (Temporal's core bridge and swc ship glibc binaries).
ARG NODE_VERSION=20.20

# ---- production node_modules ------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no install script is needed at run time, and none may
# download anything (Prisma's engines are not used: migrations run through
# the project's own applier, queries through the pg driver adapter).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  # The Prisma CLI comes along as an optional peer of @prisma/client; nothing
  # imports it at run time, and it is a third of the install.
  && npm uninstall --no-save --omit=dev --ignore-scripts --no-audit --no-fund prisma \
  # Temporal's core bridge ships binaries for five platforms: keep this one's.
  && case "$(uname -m)" in \
       x86_64) keep=x86_64-unknown-linux-gnu ;; \
       aarch64) keep=aarch64-unknown-linux-gnu ;; \
       *) keep= ;; \
     esac \
  && if [ -n "$keep" ] && [ -d "node_modules/@temporalio/core-bridge/releases/$keep" ]; then \
       find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" \
         -exec rm -rf {} +; \
     fi \
  && npm cache clean --force

# ---- generated Prisma client --------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/ scripts/
COPY prisma/ prisma/
# All dependencies (the Prisma CLI is a dev dependency), then the client into
# src/generated/prisma, the same way `npm install` does it in a checkout.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run generate

# ---- runtime ----------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# ping/fping: the probe drivers (Debian installs both with cap_net_raw+ep, so
# a non-root monitor pings with only NET_RAW granted; checked below).
# iproute2: the netns VIM. tini: PID 1 (forwards signals, reaps children).
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends iputils-ping fping iproute2 tini \
  && rm -rf /var/lib/apt/lists/* \
  && getcap /usr/bin/ping | grep -q cap_net_raw \
  && getcap /usr/bin/fping | grep -q cap_net_raw

WORKDIR /app
ENV NODE_ENV=production
COPY --from=prod-deps /app/node_modules/ node_modules/
COPY package.json package-lock.json tsconfig.json ./
COPY prisma/ prisma/
COPY src/ src/
COPY --from=build /app/src/generated/ src/generated/
COPY deploy/docker-entrypoint.sh deploy/healthcheck.mjs deploy/
# `vnfm …` inside a container (docker compose exec api vnfm token create …).
RUN printf '#!/bin/sh\nexec /app/deploy/docker-entrypoint.sh vnfm "$@"\n' > /usr/local/bin/vnfm \
  && chmod 0755 /usr/local/bin/vnfm deploy/docker-entrypoint.sh

# The image's own user (uid 1000). The monitor needs only NET_RAW on top; the
# conductor runs as root only for the netns VIM (deploy/compose.netns.yml).
USER node
EXPOSE 9890 9891 9892
ENTRYPOINT ["/usr/bin/tini", "--", "/app/deploy/docker-entrypoint.sh"]
CMD ["start:api"]
# Finds the role from the running process and asks it: the API's /readyz, a
# worker's metrics /healthz (a worker with metrics off counts as alive).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/deploy/healthcheck.mjs"]
