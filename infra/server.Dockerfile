# The pgStack server: `npm start`'s entry (scripts/start.mjs → the compiled hub) on Node 24 LTS
# over Debian 13 (glibc 2.41; uWebSockets.js's binaries for Node 22 and 24 need ≥ 2.38). Thin over
# the local scripts: build as a checkout does, stage what the server runs (scripts/stage-server.mjs,
# which a test reproduces without Docker), install its production dependencies. No sources, no
# TypeScript, no tsx in the image. Settings as for `npm start` (README, "Production").
FROM node:24-trixie-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && node scripts/stage-server.mjs /app \
 && cd /app && npm ci --omit=dev --no-audit --no-fund

FROM node:24-trixie-slim
COPY --from=build /app /app
WORKDIR /app
ENV HOST=0.0.0.0 PORT=8080
USER node
EXPOSE 8080
CMD ["node", "scripts/start.mjs"]
