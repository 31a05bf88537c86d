using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MadBase.AppHost.Supervision;

/// <summary>Marks a resource whose process is started again when it exits on its own.</summary>
internal sealed class RestartOnExitAnnotation : IResourceAnnotation;

internal static class RestartOnExitExtensions
{
    /// <summary>
    /// Restarts the resource when its process exits on its own (DCP does not), as the CLI's <c>madbase start</c>
    /// does: see <see cref="ExitedResourceRestarter"/>.
    /// </summary>
    public static IResourceBuilder<T> WithRestartOnExit<T>(this IResourceBuilder<T> builder)
        where T : IResource
    {
        IServiceCollection services = builder.ApplicationBuilder.Services;
        if (!services.Any(service => service.ServiceType == typeof(ExitedResourceRestarter)))
        {
            services.TryAddSingleton(TimeProvider.System);
            services.AddSingleton<ExitedResourceRestarter>();
            services.AddHostedService(provider => provider.GetRequiredService<ExitedResourceRestarter>());
        }

        // Aspire adds the lifecycle commands just before the first start.
        return builder
            .WithAnnotation(new RestartOnExitAnnotation(), ResourceAnnotationMutationBehavior.Replace)
            .OnBeforeResourceStarted((resource, @event, _) =>
            {
                @event.Services.GetRequiredService<ExitedResourceRestarter>().WatchStopCommands(resource);
                return Task.CompletedTask;
            });
    }
}

/// <summary>
/// Watches the resources marked <see cref="RestartOnExitAnnotation"/>: one whose state becomes Finished, Exited or
/// FailedToStart while the AppHost runs is started again with the <c>resource-start</c> command after a backoff
/// (<see cref="RestartBackoff"/>), and its snapshot counts the restarts in the <c>madbase.restarts</c> property,
/// which the dashboard shows.
/// <para>
/// What is not restarted: a resource stopped on purpose. Aspire 13.6 reports a process ended by the dashboard's
/// Stop (or the <c>resource-stop</c> or <c>resource-restart</c> command) exactly as one that ended by itself
/// (Finished, exit code 0 after the SIGTERM), so the rule is: an exit is restarted unless a stop command was
/// issued for the resource since it last started. Those commands are wrapped to remember that
/// (<see cref="WatchStopCommands"/>); the next start, by the dashboard or the command, clears it. Nothing is
/// restarted once the AppHost is stopping.
/// </para>
/// </summary>
internal sealed partial class ExitedResourceRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ExitedResourceRestarter> logger) : BackgroundService
{
    public const string RestartsProperty = "madbase.restarts";

    private static readonly HashSet<string> ExitedStates =
        new([KnownResourceStates.Finished, KnownResourceStates.Exited, KnownResourceStates.FailedToStart], StringComparer.Ordinal);

    /// <summary>By resource id (a DCP name such as worker-1-abcd1234).</summary>
    private readonly ConcurrentDictionary<string, Supervised> resources = new(StringComparer.Ordinal);

    /// <summary>Aspire's stop and restart commands already wrapped, and the wrappers (under its own lock).</summary>
    private readonly HashSet<ResourceCommandAnnotation> wrappedCommands = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (ResourceEvent update in notifications.WatchAsync(stopping.Token))
            {
                if (update.Resource.HasAnnotationOfType<RestartOnExitAnnotation>())
                {
                    Observe(update, stopping.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The AppHost is stopping: nothing is restarted any more.
        }
    }

    private void Observe(ResourceEvent update, CancellationToken stopping)
    {
        Supervised supervised = resources.GetOrAdd(update.ResourceId, _ => new Supervised());
        string? state = update.Snapshot.State?.Text;
        lock (supervised)
        {
            string? previous = supervised.State;
            supervised.State = state;
            if (state == KnownResourceStates.Running && previous != KnownResourceStates.Running)
            {
                supervised.RunningSince = time.GetUtcNow();
                supervised.StopRequested = false;
            }

            if (state is null || !ExitedStates.Contains(state) || previous == state || supervised.RestartPending)
            {
                return;
            }

            if (supervised.StopRequested)
            {
                LogStoppedOnPurpose(logger, update.ResourceId);
                return;
            }

            TimeSpan delay = supervised.Backoff.NextDelay(time.GetUtcNow() - supervised.RunningSince);
            supervised.RunningSince = null;
            supervised.RestartPending = true;
            LogExited(logger, update.ResourceId, state, update.Snapshot.ExitCode, delay.TotalSeconds);
            _ = RestartAsync(update.Resource, update.ResourceId, supervised, delay, stopping);
        }
    }

    /// <summary>
    /// Wraps the resource's stop and restart commands so that an exit they cause is told from one of its own.
    /// Once per resource: the commands Aspire added stay in place until the AppHost stops.
    /// </summary>
    public void WatchStopCommands(IResource resource)
    {
        lock (wrappedCommands)
        {
            foreach (ResourceCommandAnnotation command in resource.Annotations.OfType<ResourceCommandAnnotation>().ToList())
            {
                if ((command.Name == KnownResourceCommands.StopCommand || command.Name == KnownResourceCommands.RestartCommand)
                    && wrappedCommands.Add(command))
                {
                    Wrap(resource, command);
                }
            }
        }
    }

    private void Wrap(IResource resource, ResourceCommandAnnotation command)
    {
        var wrapped = new ResourceCommandAnnotation(
            command.Name,
            command.DisplayName,
            command.UpdateState,
            async context =>
            {
                Supervised supervised = resources.GetOrAdd(context.ResourceName, _ => new Supervised());
                SetStopRequested(supervised, true);
                try
                {
                    ExecuteCommandResult result = await command.ExecuteCommand(context);
                    if (!result.Success)
                    {
                        // Still running: its next exit is its own again.
                        SetStopRequested(supervised, false);
                    }

                    return result;
                }
                catch
                {
                    SetStopRequested(supervised, false);
                    throw;
                }
            },
            command.DisplayDescription,
            command.Arguments,
            command.ConfirmationMessage,
            command.IconName,
            command.IconVariant,
            command.IsHighlighted,
            command.Visibility,
            command.ValidateArguments);
        wrappedCommands.Add(wrapped);
        resource.Annotations.Remove(command);
        resource.Annotations.Add(wrapped);
    }

    private static void SetStopRequested(Supervised supervised, bool requested)
    {
        lock (supervised)
        {
            supervised.StopRequested = requested;
        }
    }

    private async Task RestartAsync(IResource resource, string resourceId, Supervised supervised, TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, time, stopping);
            // Started meanwhile (the dashboard's Start), or stopped on purpose since: not ours to start.
            bool stillExited = notifications.TryGetCurrentState(resourceId, out ResourceEvent? current)
                && current.Snapshot.State?.Text is { } state && ExitedStates.Contains(state);
            lock (supervised)
            {
                // From here an exit (of the process started now) schedules the next restart.
                supervised.RestartPending = false;
            }

            if (!stillExited)
            {
                return;
            }

            ExecuteCommandResult result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stopping);
            if (!result.Success)
            {
                LogRestartFailed(logger, resourceId, result.Message);
                return;
            }

            int restarts = Interlocked.Increment(ref supervised.Restarts);
            await notifications.PublishUpdateAsync(resource, resourceId, snapshot => snapshot with
            {
                Properties = [
                    .. snapshot.Properties.Where(p => p.Name != RestartsProperty),
                    new ResourcePropertySnapshot(RestartsProperty, restarts),
                ],
            });
            LogRestarted(logger, resourceId, restarts);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
        catch (Exception e) when (e is InvalidOperationException or DistributedApplicationException)
        {
            LogRestartFailed(logger, resourceId, e.Message);
        }
    }

    [LoggerMessage(EventId = EventIds.ResourceExitedRestarting, Level = LogLevel.Warning,
        Message = "{ResourceId} exited on its own ({State}, exit code {ExitCode}); restarting it in {DelaySeconds} s")]
    private static partial void LogExited(ILogger logger, string resourceId, string state, int? exitCode, double delaySeconds);

    [LoggerMessage(EventId = EventIds.ResourceRestarted, Level = LogLevel.Information, Message = "{ResourceId} restarted ({Restarts} restarts so far)")]
    private static partial void LogRestarted(ILogger logger, string resourceId, int restarts);

    [LoggerMessage(EventId = EventIds.ResourceRestartFailed, Level = LogLevel.Error, Message = "{ResourceId} could not be restarted: {Problem}")]
    private static partial void LogRestartFailed(ILogger logger, string resourceId, string? problem);

    [LoggerMessage(EventId = EventIds.ResourceStoppedOnPurpose, Level = LogLevel.Information, Message = "{ResourceId} was stopped on purpose; not restarting it")]
    private static partial void LogStoppedOnPurpose(ILogger logger, string resourceId);

    private sealed class Supervised
    {
        public int Restarts;

        public string? State { get; set; }

        public DateTimeOffset? RunningSince { get; set; }

        public RestartBackoff Backoff { get; } = new();

        public bool RestartPending { get; set; }

        /// <summary>A stop or restart command was issued since the resource last ran.</summary>
        public bool StopRequested { get; set; }
    }
}
