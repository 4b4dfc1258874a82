# syntax=docker/dockerfile:1
# athena-fanout container: `docker build -t athena-fanout .`, then
#   docker run --rm -v "$PWD:/work" -e AWS_REGION athena-fanout run
# The image runs as the unprivileged `node` user with tini as PID 1, so SIGTERM from Kubernetes or
# `docker stop` reaches the CLI, which stops its Athena queries and writes an interrupted manifest.
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Compile the TypeScript with every dependency (dev included).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Only the CLI is compiled: the emulator, scripts and benchmarks are development tools.
RUN printf '{"extends":"./tsconfig.build.json","include":["src"]}\n' > tsconfig.image.json \
  && npx tsc -p tsconfig.image.json

# 2. Production dependencies only, from the same lock file.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: compiled CLI + production node_modules + the JSON Schemas, nothing else.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  LOG_FORMAT=json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
COPY docs/pipeline.schema.json docs/manifest.schema.json ./docs/
# The config, outputs and manifest live in the mounted working directory.
WORKDIR /work
RUN chown node:node /work
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/src/cli.js"]
CMD ["run"]
