# Baton: one image, every role (`all` by default; pass bot, worker, api or migrate).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
# the heap budget npm start uses (package.json "config.node_options"); override with -e NODE_OPTIONS=…
ENV NODE_OPTIONS=--max-old-space-size=384
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
# BATON_DATA_DIR (default ./var): the inbound spool must be writable and should be a volume
RUN mkdir -p /app/var && chown node:node /app/var
USER node
EXPOSE 3000
ENTRYPOINT ["node", "--import", "tsx", "src/main/cli.ts"]
CMD ["all"]
