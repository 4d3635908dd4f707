# syntax=docker/dockerfile:1
# Image of the OpenTrain orchestrator: the worker (default command) and the backend API
# (`node --import tsx src/api/main.ts`). TypeScript runs through tsx (a runtime dependency); the workflow
# code is bundled once here, so a worker starts without webpack. See docs/operations.md.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- production dependencies only --------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- workflow bundles (needs the dev toolchain only for the build) -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
RUN node --import tsx scripts/build-workflow-bundle.ts --out dist

# --- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Code and dependencies stay owned by root: the service user can read them, not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# Copied after src, so the bundles are newer than the sources (workflow-source.ts checks this).
COPY --from=build /app/dist ./dist
# The file credential store's default folder, for single-replica use without PostgreSQL.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000 9464
CMD ["node", "--import", "tsx", "src/worker.ts"]
