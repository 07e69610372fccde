using Grpc.Core;
using HybridEhr.Identity.Chain;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HybridEhr.Identity.Registration;

/// <summary>
/// In the background: makes sure the access_control contract has its registrar (init, retried until the chain
/// answers), then settles interrupted registrations now and every <see cref="RecoveryInterval"/>.
/// </summary>
public sealed partial class ChainMaintenanceService(IPermissionChain chain, Registrar registrar, ILogger<ChainMaintenanceService> logger)
    : BackgroundService
{
    private static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxInitDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await chain.InitializeAsync(stoppingToken).ConfigureAwait(false);
                LogInitialized(logger);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Quiet at first: the devnet may simply still be starting.
                if (attempt % 10 == 3)
                {
                    LogInitFailed(logger, ex.Message);
                }

                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxInitDelay.Ticks));
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await registrar.RecoverPendingAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                LogRecoveryDeferred(logger, ex.Status.Detail);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRecoveryFailed(logger, ex);
            }

            await Task.Delay(RecoveryInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Permission chain ready: access_control has its registrar")]
    private static partial void LogInitialized(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Permission chain not ready yet (init): {Reason}; retrying")]
    private static partial void LogInitFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Settling interrupted registrations deferred: {Reason}")]
    private static partial void LogRecoveryDeferred(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Settling interrupted registrations failed")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception exception);
}
