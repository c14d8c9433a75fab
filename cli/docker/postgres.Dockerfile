# PostgreSQL with pg_reactive, for an app's compose.yml (pgstack init): the build context is the
# installed @pgstack/cli package, which carries the extension's source. Same build as the
# repository's infra/postgres/Dockerfile.
ARG PG_MAJOR=16
FROM postgres:${PG_MAJOR}
ARG PG_MAJOR
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential postgresql-server-dev-${PG_MAJOR} \
 && rm -rf /var/lib/apt/lists/*
COPY node_modules/@pgstack/infra/pg_reactive /src/pg_reactive
RUN make -C /src/pg_reactive with_llvm=no && make -C /src/pg_reactive with_llvm=no install
COPY docker/init-authenticator.sh /docker-entrypoint-initdb.d/
CMD ["postgres", "-c", "shared_preload_libraries=pg_reactive"]
