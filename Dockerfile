# The smelter service: `smelter serve` on Node.js 24 LTS with the production dependencies only
# (docker-compose.yml's `smelter` service; docs/deploying.md). The base image is published for linux/amd64 and
# linux/arm64, and `npm ci` installs the DuckDB binding of the platform it runs on (the lock lists them all), so
# the image builds on either.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY schema ./schema
COPY examples ./examples
RUN mkdir dags-out && chown node:node dags-out
USER node
EXPOSE 18300
CMD ["node", "bin/smelter.js", "serve"]
