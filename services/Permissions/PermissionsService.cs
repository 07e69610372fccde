using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Permissions.V1;
using Grpc.Core;
using HybridEhr.Permissions.Domain;
using HybridEhr.Permissions.Notifications;
using HybridEhr.Security;
using DomainRequestStatus = HybridEhr.Permissions.Domain.RequestStatus;
using PermissionsApi = HybridEhr.Contracts.Permissions.V1.Permissions;

namespace HybridEhr.Permissions;

/// <summary>
/// hybridehr.permissions.v1.Permissions: maps the wire messages to <see cref="PermissionCommands"/> (writes),
/// <see cref="PermissionQueries"/> (reads) and <see cref="NotificationFeed"/> (the stream). No rules live here.
/// </summary>
public sealed class PermissionsService(
    PermissionCommands commands, PermissionQueries queries, NotificationFeed notifications, IHostApplicationLifetime lifetime) : PermissionsApi.PermissionsBase
{
    public override async Task<RequestAccessResponse> RequestAccess(RequestAccessRequest request, ServerCallContext context)
    {
        var outcome = await commands.RequestAccessAsync(ActorOf(context), request.PatientAccountId, request.Reason, context.CancellationToken);
        return new RequestAccessResponse { Request = ToProto(outcome.Request), TxId = outcome.TxId };
    }

    public override async Task<ApproveAccessResponse> ApproveAccess(ApproveAccessRequest request, ServerCallContext context)
    {
        var outcome = await commands.ApproveAccessAsync(ActorOf(context), request.RequestId, ExpiryOf(request.ExpiresAt), context.CancellationToken);
        return new ApproveAccessResponse { Grant = ToProto(outcome.Grant), TxId = outcome.TxId };
    }

    public override async Task<DenyAccessResponse> DenyAccess(DenyAccessRequest request, ServerCallContext context)
    {
        var outcome = await commands.DenyAccessAsync(ActorOf(context), request.RequestId, request.Reason, context.CancellationToken);
        return new DenyAccessResponse { Request = ToProto(outcome.Request), TxId = outcome.TxId };
    }

    public override async Task<GrantPermissionResponse> GrantPermission(GrantPermissionRequest request, ServerCallContext context)
    {
        var outcome = await commands.GrantPermissionAsync(ActorOf(context), request.DoctorAccountId, ExpiryOf(request.ExpiresAt), context.CancellationToken);
        return new GrantPermissionResponse { Grant = ToProto(outcome.Grant), TxId = outcome.TxId };
    }

    public override async Task<RevokePermissionResponse> RevokePermission(RevokePermissionRequest request, ServerCallContext context)
    {
        var outcome = await commands.RevokePermissionAsync(ActorOf(context), request.DoctorAccountId, context.CancellationToken);
        return new RevokePermissionResponse
        {
            RevokedGrant = ToProto(outcome.RevokedGrant),
            RevokedAt = Timestamp.FromDateTimeOffset(outcome.RevokedAt),
            TxId = outcome.TxId,
        };
    }

    public override async Task<HasPermissionResponse> HasPermission(HasPermissionRequest request, ServerCallContext context)
    {
        var actor = ActorOf(context);
        var answer = request.Consistency == ReadConsistency.Chain
            ? await queries.HasPermissionOnChainAsync(actor, request.PatientAccountId, request.DoctorAccountId, context.CancellationToken)
            : queries.HasPermission(actor, request.PatientAccountId, request.DoctorAccountId);
        var response = new HasPermissionResponse
        {
            HasPermission = answer.HasPermission,
            MaxStaleness = Duration.FromTimeSpan(answer.MaxStaleness),
            AsOfBlock = (ulong)Math.Max(0, answer.AsOfBlock),
        };
        if (answer.Grant is { } grant)
        {
            response.Grant = ToProto(grant);
            if (grant.ExpiresAt is { } expiresAt)
            {
                response.ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt);
            }
        }

        return response;
    }

    public override Task<GetGranteesResponse> GetGrantees(GetGranteesRequest request, ServerCallContext context)
    {
        var answer = queries.GetGrantees(ActorOf(context), request.PatientAccountId);
        var response = new GetGranteesResponse { MaxStaleness = Duration.FromTimeSpan(answer.MaxStaleness) };
        response.Grants.AddRange(answer.Grants.Select(ToProto));
        return Task.FromResult(response);
    }

    public override Task<ListPendingRequestsResponse> ListPendingRequests(ListPendingRequestsRequest request, ServerCallContext context)
    {
        var page = queries.ListPendingRequests(ActorOf(context), request.PageSize, request.PageToken);
        var response = new ListPendingRequestsResponse { NextPageToken = page.NextPageToken };
        response.Requests.AddRange(page.Requests.Select(ToProto));
        return Task.FromResult(response);
    }

    public override async Task WatchNotifications(WatchNotificationsRequest request, IServerStreamWriter<WatchNotificationsResponse> responses, ServerCallContext context)
    {
        var actor = ActorOf(context);
        if (!actor.IsPatient && !actor.IsDoctor)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "Notifications are streamed to patient and doctor accounts only."));
        }

        var startAfter = notifications.StartAfter(actor.AccountId, request.ResumeAfter);
        // Headers now: a client that awaits them knows everything from this point on will reach it.
        await context.WriteResponseHeadersAsync(new Metadata());
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var notification in notifications.WatchAsync(actor.AccountId, startAfter, stopping.Token))
            {
                await responses.WriteAsync(ToProto(notification, notifications.CursorOf(notification)), stopping.Token);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The server is shutting down; reconnect with the last cursor you received."));
        }
    }

    private static Actor ActorOf(ServerCallContext context)
    {
        var caller = context.GetCaller();
        return new Actor(caller.AccountId, caller.Claims.Role);
    }

    private static DateTimeOffset? ExpiryOf(Timestamp? expiresAt)
    {
        if (expiresAt is null)
        {
            return null;
        }

        try
        {
            return expiresAt.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "expires_at is not a valid timestamp."));
        }
    }

    private static Grant ToProto(GrantRecord grant)
    {
        var proto = new Grant
        {
            GrantId = grant.GrantId,
            PatientAccountId = grant.Patient,
            DoctorAccountId = grant.Doctor,
            Origin = grant.RequestId is { Length: > 0 } ? GrantOrigin.ApprovedRequest : GrantOrigin.Direct,
            RequestId = grant.RequestId ?? string.Empty,
            GrantedAt = Timestamp.FromDateTimeOffset(grant.GrantedAt),
            TxId = grant.TxId,
        };
        if (grant.ExpiresAt is { } expiresAt)
        {
            proto.ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt);
        }

        return proto;
    }

    private static AccessRequest ToProto(AccessRequestRecord request)
    {
        var proto = new AccessRequest
        {
            RequestId = request.RequestId,
            PatientAccountId = request.Patient,
            DoctorAccountId = request.Doctor,
            Reason = request.Reason,
            Status = request.Status switch
            {
                DomainRequestStatus.Pending => AccessRequestStatus.Pending,
                DomainRequestStatus.Approved => AccessRequestStatus.Approved,
                DomainRequestStatus.Denied => AccessRequestStatus.Denied,
                _ => AccessRequestStatus.Unspecified,
            },
            RequestedAt = Timestamp.FromDateTimeOffset(request.RequestedAt),
        };
        if (request.DecidedAt is { } decidedAt)
        {
            proto.DecidedAt = Timestamp.FromDateTimeOffset(decidedAt);
        }

        return proto;
    }

    private static WatchNotificationsResponse ToProto(PermissionNotification notification, string cursor)
    {
        var proto = new WatchNotificationsResponse
        {
            Cursor = cursor,
            Type = (NotificationType)(int)notification.Kind,
            OccurredAt = Timestamp.FromDateTimeOffset(notification.OccurredAt),
            PatientAccountId = notification.Patient,
            DoctorAccountId = notification.Doctor,
            RequestId = notification.RequestId,
            GrantId = notification.GrantId,
            Reason = notification.Reason,
        };
        if (notification.ExpiresAt is { } expiresAt)
        {
            proto.ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt);
        }

        return proto;
    }
}
