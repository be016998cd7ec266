# syntax=docker/dockerfile:1
# The one Cairn image: `cairn operator` (the chart's Deployment), and what the operator runs from it: `cairn serve`
# (serving pods), `cairn profile` (Dataset profile Jobs), `cairn fetch` / `cairn upload` (trial Jobs' data and
# model containers) and `cairn model inspect`. The chart passes the image's own reference to the operator as
# CAIRN_IMAGE, so the Jobs and serving pods always run the operator's version.
#
#   docker build -t ghcr.io/cairn-dev/cairn:0.1.0 .
#
# It runs as a non-root user (65532) with a read-only root filesystem: the chart's restricted securityContext.

ARG NODE_IMAGE=node:20.19-bookworm-slim

# --- build: compile src/ to dist/ with the dev dependencies ------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The web console's page script (ECharts bundled by esbuild) for `cairn operator --console-bind-address`.
COPY web ./web
COPY scripts/console/build.ts ./scripts/console/build.ts
RUN npm run build \
 && mkdir -p dist/serving/proto && cp src/serving/proto/*.proto dist/serving/proto/ \
 && npm run build:console

# --- production dependencies only ----------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# git for GitSources (simple-git runs it), ssh for ssh:// remotes, tini to forward signals (the drain on SIGTERM).
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
# Plain JavaScript from dist/: no TypeScript compiler in the process (bin/cairn.js reads this).
ENV NODE_ENV=production CAIRN_FROM_DIST=1 HOME=/tmp
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/cairn.js"]
CMD ["--help"]
