# syntax=docker/dockerfile:1
# One image per MadBase service, chosen by SERVICE (Gateway | Worker | Control):
#   docker build --build-arg SERVICE=Worker -t madbase-worker .
# The image listens on 8080 (ASPNETCORE_HTTP_PORTS in the aspnet base image) as the non-root user `app`.
# No HEALTHCHECK: the aspnet image has no curl or wget. deploy/docker-compose.yml probes /health with bash's
# /dev/tcp instead, and the Gateway runs its own active health checks against the Workers.
ARG SERVICE=Gateway

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG SERVICE
RUN case "$SERVICE" in Gateway|Worker|Control) ;; \
      *) echo "SERVICE must be Gateway, Worker or Control, not '$SERVICE'" >&2; exit 1 ;; esac
WORKDIR /src
# global.json, Directory.Build.props, Directory.Packages.props and .editorconfig come along with the sources:
# the build settings (warnings as errors, code style, package pins) are the same as on a developer's machine.
COPY . .
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish "MadBase.$SERVICE" -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
ARG SERVICE
ENV MADBASE_SERVICE=MadBase.$SERVICE
# The runtime settings every MadBase service runs with: MadBase.Cli/LocalStack/ServiceRuntimeSettings.cs says why.
ENV DOTNET_GCgen0MaxBudget=0x1000000
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
EXPOSE 8080
# exec: dotnet becomes PID 1 and receives SIGTERM for a graceful shutdown.
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet \"$MADBASE_SERVICE.dll\" \"$@\"", "--"]
