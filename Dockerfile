# One image, run in roles (SERVICE_ROLE): the APIs, the projector, the saga worker, the payment simulator.
# It runs compiled JavaScript (npm run build → dist/), no TypeScript loader: node dist/src/main.js, and
# node dist/scripts/rebuild-projections.js for a rebuild.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY sagas ./sagas
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The operations console (GET /console): static files, served as they are.
COPY console ./console
# DATA_DIR of the roles that keep files (the payment simulator's ledger): a volume mounted here stays writable.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# node is PID 1 and handles SIGTERM itself (docker stop): in-flight requests finish, the stores close, exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
