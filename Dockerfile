# One image, run in roles (SERVICE_ROLE): the APIs, the projector, the saga worker, the payment simulator.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY tsconfig.json ./
COPY src ./src
COPY sagas ./sagas
COPY scripts ./scripts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
# DATA_DIR of the roles that keep files (the payment simulator's ledger): a volume mounted here stays writable.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/main.ts"]
