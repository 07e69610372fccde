using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Events;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Identity.Accounts;
using HybridEhr.Identity.Chain;
using HybridEhr.Identity.Doctors;
using HybridEhr.Identity.Events;
using HybridEhr.Identity.Keys;
using HybridEhr.Identity.Passwords;
using HybridEhr.Security;
using Microsoft.Extensions.Logging;

namespace HybridEhr.Identity.Registration;

/// <summary>A registration request whose fields already passed <see cref="InputRules"/>.</summary>
public sealed record NewAccount(string DocumentNumber, string FirstName, string LastName, string Email, string Password, string Role);

/// <summary>
/// Creates accounts, safe against a crash at any point:
/// 1. the chain key, then the account as Pending, are written durably before any chain call;
/// 2. doctors: FabricGateway.VerifyDoctor, then the registrar's attest_doctor (idempotent on the chain);
/// 3. "add_user submitted" is recorded, then add_user is signed by the account's own key; ALREADY_REGISTERED for
///    that key means an earlier attempt got through, and is taken as success;
/// 4. doctors: FabricGateway.EnrollMember; 5. the events go to the outbox; 6. the account becomes Active.
/// A retry of the same registration (or <see cref="RecoverPendingAsync"/>) resumes where the last attempt stopped
/// with the same key. A Pending account that provably never reached the chain is rolled back (record and key deleted).
/// </summary>
public sealed partial class Registrar(
    AccountStore accounts,
    ChainKeyStore keys,
    PasswordHasher hasher,
    IPermissionChain chain,
    IDoctorRegistry doctors,
    IIntegrationEventSink events,
    TimeProvider time,
    IdentityOptions options,
    ILogger<Registrar> logger)
{
    // Striped: registrations of one (document, role) never overlap, and memory stays bounded however many people register.
    private readonly SemaphoreSlim[] _slotLocks = [.. Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1))];

    public string DocumentHash(string documentNumber) => DocumentIds.Hash(documentNumber, options.DocumentPepper);

    public async Task<AccountRecord> RegisterAsync(NewAccount request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var documentHash = DocumentHash(request.DocumentNumber);
        var slot = SlotLock(documentHash, request.Role);
        await slot.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var record = Prepare(request, documentHash);
            if (record.Status == AccountStatus.Active)
            {
                return record;
            }

            var key = keys.Find(record.AccountId) ?? throw new InvalidOperationException("A pending account has no chain key.");
            if (record is { AddUserSubmitted: true, OnChain: false })
            {
                record = await ReconcileWithChainAsync(record, cancellationToken).ConfigureAwait(false);
            }

            if (!record.OnChain)
            {
                if (record.Role == Roles.Doctor)
                {
                    record = await VerifyAndAttestDoctorAsync(record, request.DocumentNumber, cancellationToken).ConfigureAwait(false);
                }

                record = await AddUserAsync(record, key, cancellationToken).ConfigureAwait(false);
            }

            return await CompleteAsync(record, request.DocumentNumber, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slot.Release();
        }
    }

    /// <summary>
    /// Finishes or rolls back Pending accounts left by a crash or an unanswered attempt: those on the chain are completed,
    /// those provably not on it and older than the pending timeout are deleted. Returns how many were settled.
    /// </summary>
    public async Task<int> RecoverPendingAsync(CancellationToken cancellationToken)
    {
        var settled = 0;
        foreach (var pending in accounts.Pending())
        {
            var slot = SlotLock(pending.DocumentHash, pending.Role);
            await slot.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var record = accounts.Find(pending.AccountId);
                if (record is not { Status: AccountStatus.Pending })
                {
                    continue;
                }

                if (record is { AddUserSubmitted: true, OnChain: false })
                {
                    record = await ReconcileWithChainAsync(record, cancellationToken).ConfigureAwait(false);
                }

                if (record.OnChain)
                {
                    var personal = accounts.OpenPersonalData(record);
                    await CompleteAsync(record, personal.DocumentNumber, cancellationToken).ConfigureAwait(false);
                    LogRecovered(logger, record.AccountId);
                    settled++;
                }
                else if (time.GetUtcNow() - record.CreatedAt > options.PendingRegistrationTimeout)
                {
                    RollBack(record);
                    LogRolledBack(logger, record.AccountId);
                    settled++;
                }
            }
            finally
            {
                slot.Release();
            }
        }

        foreach (var orphan in keys.OrphansOlderThan(options.PendingRegistrationTimeout, time.GetUtcNow(), accountId => accounts.Find(accountId) is not null))
        {
            // A key whose account record was never written (crash right after creating it) was never sent to a chain.
            keys.Delete(orphan);
            settled++;
        }

        return settled;
    }

    private SemaphoreSlim SlotLock(string documentHash, string role) =>
        _slotLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(documentHash + "/" + role) % (uint)_slotLocks.Length)];

    /// <summary>The Pending record this request continues, or a new one; ALREADY_EXISTS when the slot is someone else's.</summary>
    private AccountRecord Prepare(NewAccount request, string documentHash)
    {
        var existing = accounts.FindBySlot(documentHash, request.Role);
        if (existing is { Status: AccountStatus.Active })
        {
            // The same registration sent again after its answer was lost (or after a restart finished it): the first
            // one's result. Only the person who chose the password gets it; anyone else is told the slot is taken.
            return PasswordHasher.Verify(request.Password, existing.PasswordHash) ? existing : throw AlreadyExists(request.Role);
        }

        if (existing is { AddUserSubmitted: true })
        {
            // The key may already be on the chain under this person's earlier request: only that person may resume it.
            return PasswordHasher.Verify(request.Password, existing.PasswordHash) ? existing : throw AlreadyExists(request.Role);
        }

        // New, or an earlier attempt that never reached the chain: this request's data replaces it; the key is kept.
        var accountId = existing?.AccountId ?? keys.Create().AccountId;
        var record = new AccountRecord
        {
            AccountId = accountId,
            Role = request.Role,
            DocumentHash = documentHash,
            Status = AccountStatus.Pending,
            PasswordHash = hasher.Hash(request.Password),
            PersonalData = accounts.SealPersonalData(accountId, new PersonalData(request.DocumentNumber, request.FirstName, request.LastName, request.Email)),
            CreatedAt = existing?.CreatedAt ?? time.GetUtcNow(),
        };
        accounts.Save(record);
        return record;
    }

    private async Task<AccountRecord> VerifyAndAttestDoctorAsync(AccountRecord record, string documentNumber, CancellationToken cancellationToken)
    {
        DoctorVerification verification;
        try
        {
            verification = await doctors.VerifyAsync(documentNumber, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            RollBackIfNeverSubmitted(record);
            throw;
        }

        if (!verification.IsEnrolledDoctor || string.IsNullOrEmpty(verification.OrganizationMspId))
        {
            RollBackIfNeverSubmitted(record);
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                "This identity document does not belong to a doctor enrolled by a hospital of the network, so no doctor account can be created for it."));
        }

        record = record with { Organization = verification.OrganizationMspId };
        accounts.Save(record);
        try
        {
            await chain.AttestDoctorAsync(record.DocumentHash, verification.OrganizationMspId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            RollBackIfNeverSubmitted(record);
            throw;
        }

        return record;
    }

    private async Task<AccountRecord> AddUserAsync(AccountRecord record, DevnetKey key, CancellationToken cancellationToken)
    {
        record = record with { AddUserSubmitted = true };
        accounts.Save(record);
        AddUserResult result;
        try
        {
            result = await chain.AddUserAsync(new LocalSigner(key), record.DocumentHash, record.Role, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            throw HalfWay(ex);
        }

        switch (result.Outcome)
        {
            case AddUserOutcome.Added:
                record = record with { OnChain = true, AddUserTxId = result.TxId, RegisteredAt = result.RegisteredAt };
                accounts.Save(record);
                return record;
            case AddUserOutcome.AlreadyRegistered:
                record = await ReconcileWithChainAsync(record, cancellationToken).ConfigureAwait(false);
                return record.OnChain ? record : throw new InvalidOperationException("add_user said ALREADY_REGISTERED but the chain has no such user.");
            case AddUserOutcome.RoleTaken:
                // Another account holds the slot, so this key can never be registered for it: nothing of ours is on the chain.
                RollBack(record);
                throw AlreadyExists(record.Role);
            default:
                throw new InvalidOperationException($"add_user refused a {record.Role} account: {result.Outcome}.");
        }
    }

    /// <summary>Asks the chain whether an earlier add_user of this account went through, and records it if so.</summary>
    private async Task<AccountRecord> ReconcileWithChainAsync(AccountRecord record, CancellationToken cancellationToken)
    {
        ChainUser? user;
        try
        {
            user = await chain.GetUserAsync(record.AccountId, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            throw HalfWay(ex);
        }

        if (user is null)
        {
            return record;
        }

        if (user.DocumentIdHash != record.DocumentHash || user.Role != record.Role)
        {
            throw new InvalidOperationException($"The chain holds account {record.AccountId} with another document or role than Identity does.");
        }

        var txId = record.AddUserTxId ?? await chain.FindAddUserTxIdAsync(record.AccountId, cancellationToken).ConfigureAwait(false);
        record = record with { OnChain = true, AddUserTxId = txId, RegisteredAt = user.RegisteredAt };
        accounts.Save(record);
        return record;
    }

    private async Task<AccountRecord> CompleteAsync(AccountRecord record, string documentNumber, CancellationToken cancellationToken)
    {
        if (record.Role == Roles.Doctor && record.EnrollMemberTxId is null)
        {
            string enrollTxId;
            try
            {
                enrollTxId = await doctors.EnrollMemberAsync(record.AccountId, record.Organization!, documentNumber, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                throw HalfWay(ex);
            }

            record = record with { EnrollMemberTxId = enrollTxId };
            accounts.Save(record);
        }

        var registeredAt = record.RegisteredAt ?? time.GetUtcNow();
        var role = record.Role == Roles.Doctor ? AccountRole.Doctor : AccountRole.Patient;
        var txId = record.AddUserTxId ?? "";
        // Recorded before the account turns Active: a crash in between only records them again, under the same ids.
        await events.EnqueueAsync(new UserRegistered(EventIds.For(nameof(UserRegistered), record.AccountId), registeredAt,
            record.AccountId, role, record.Organization, txId), cancellationToken).ConfigureAwait(false);
        await events.EnqueueAsync(new RoleAssigned(EventIds.For(nameof(RoleAssigned), record.AccountId + "/" + record.Role), registeredAt,
            record.AccountId, role, txId), cancellationToken).ConfigureAwait(false);

        record = record with { Status = AccountStatus.Active, RegisteredAt = registeredAt };
        accounts.Save(record);
        LogRegistered(logger, record.AccountId, record.Role);
        return record;
    }

    private void RollBackIfNeverSubmitted(AccountRecord record)
    {
        if (!record.AddUserSubmitted)
        {
            RollBack(record);
        }
    }

    private void RollBack(AccountRecord record)
    {
        accounts.Delete(record.AccountId);
        keys.Delete(record.AccountId);
    }

    private static RpcException AlreadyExists(string role) =>
        new(new Status(StatusCode.AlreadyExists,
            $"This identity document already has a {role} account (one {role} account per person). If an earlier attempt was interrupted, it has been completed: log in."));

    private static RpcException HalfWay(RpcException cause) =>
        new(new Status(StatusCode.Unavailable,
            $"{cause.Status.Detail} The registration is half-way: send the same registration again (same password) to finish it."));

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered {Role} account {AccountId}")]
    private static partial void LogRegistered(ILogger logger, string accountId, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Completed the interrupted registration of account {AccountId}")]
    private static partial void LogRecovered(ILogger logger, string accountId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rolled back the abandoned registration of account {AccountId} (never reached the chain)")]
    private static partial void LogRolledBack(ILogger logger, string accountId);
}
