# syntax=docker/dockerfile:1
# One image per MadBase service, chosen by SERVICE (Gateway | Worker | Control):
#   docker build --build-arg SERVICE=Worker -t madbase-worker .
# The runtime image is .NET's chiseled ASP.NET Core image (Ubuntu 24.04): no shell, no package manager, non-root user
# `app` (UID 1654) by default. It listens on 8080 (ASPNETCORE_HTTP_PORTS in the base image); the gateway also serves
# /metrics on Metrics__Port when set (deploy/docker-compose.yml: 9464).
# HEALTHCHECK: with no shell and no curl in the image, the service's own binary probes it (`--health-probe`,
# ServiceDefaults/Health/HealthProbe.cs): exit 0 when GET /health on its port answers 200.
# Base images are pinned by version and digest (the digests as published for these tags; Dependabot or a rebuild
# moves both together).
# The Worker runs Edge Functions on Deno: its image carries the deno binary (Deno's own `bin` image holds just that
# binary, linked against glibc and libgcc, which the chiseled image has for .NET), at /app/deno, where the Worker
# looks first (ServiceDefaults/Functions/DenoLocator.cs); functions' code and Deno's cache go to /tmp unless
# Functions__DataDirectory names a volume. Control finds no Deno in its image and skips the deploy-time parse
# (event 2110); the Gateway never needs it. Pinned by version only: no registry was reachable where this was
# written to resolve its digest.
ARG SERVICE=Gateway

FROM denoland/deno:bin-2.9.6 AS deno

FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble@sha256:e70cdb7f80b0348f5cb85f19a8f670fca061f033d57eed12fa003d58b0e06317 AS build
ARG SERVICE
RUN case "$SERVICE" in Gateway|Worker|Control) ;; \
      *) echo "SERVICE must be Gateway, Worker or Control, not '$SERVICE'" >&2; exit 1 ;; esac
WORKDIR /src
# global.json, Directory.Build.props, Directory.Packages.props and .editorconfig come along with the sources:
# the build settings (warnings as errors, code style, package pins) are the same as on a developer's machine.
COPY . .
# The app host (an executable named after the project) runs the service; a link with one name for every service
# lets ENTRYPOINT and HEALTHCHECK use the exec form, which needs no shell.
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish "MadBase.$SERVICE" -c Release -o /app \
 && ln -s "MadBase.$SERVICE" /app/madbase-service
COPY --from=deno /deno /deno/deno
RUN if [ "$SERVICE" = Worker ]; then cp /deno/deno /app/deno; fi

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble-chiseled@sha256:9651fa59abcdf177c30392cb44a820605ca5d618429ab37acbf6e7c644510b02 AS runtime
# The runtime settings every MadBase service runs with: MadBase.Cli/LocalStack/ServiceRuntimeSettings.cs says why.
ENV DOTNET_GCgen0MaxBudget=0x1000000
ENV DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
  CMD ["/app/madbase-service", "--health-probe", "/health"]
# Exec form: the service is PID 1 and receives SIGTERM for a graceful shutdown.
ENTRYPOINT ["/app/madbase-service"]
