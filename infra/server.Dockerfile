# The pgStack server: one Node process (hub/src/main.ts) serving REST, auth and live queries.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY infra/package.json infra/
COPY hub/package.json hub/
COPY rest/package.json rest/
COPY auth/package.json auth/
COPY sdk/package.json sdk/
COPY cli/package.json cli/
COPY studio/package.json studio/
RUN npm ci --no-audit --no-fund
COPY . .
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080
CMD ["node", "--import", "tsx", "hub/src/main.ts"]
