# Streaming speech-to-text server. Multi-stage: production dependencies in one stage, a slim non-root runtime.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json .npmrc ./
COPY bin ./bin
COPY cli ./cli
COPY server ./server
COPY decoder ./decoder
COPY audio ./audio
COPY common ./common
COPY engine ./engine
COPY models ./models
COPY grammars ./grammars
# Build the general English graph into the image's cache, so that a container starts in about 0.1 s.
RUN node bin/asr.js grammars prepare
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/asr.js", "serve"]
