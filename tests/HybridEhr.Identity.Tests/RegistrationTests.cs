using HybridEhr.Contracts.Events;
using Grpc.Core;
using HybridEhr.Identity.Accounts;
using HybridEhr.Identity.Login;
using HybridEhr.Security;

namespace HybridEhr.Identity.Tests;

public sealed class RegistrationTests : IDisposable
{
    private readonly IdentityWorld _world = new();

    public RegistrationTests() => _world.Doctors.DoctorDocuments["DR-778899"] = "HospitalAMSP";

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task A_patient_gets_an_active_account_on_the_chain_under_the_document_hash()
    {
        var account = await _world.RegisterAsync(IdentityWorld.Patient());

        Assert.Equal(AccountStatus.Active, account.Status);
        var onChain = _world.Chain.Users[account.AccountId];
        Assert.Equal(Roles.Patient, onChain.Role);
        Assert.Equal(DocumentIds.Hash("AB-123456", DocumentIds.DevelopmentPepper), onChain.DocumentIdHash);
        Assert.Equal(onChain.RegisteredAt, account.RegisteredAt);
        Assert.NotNull(account.AddUserTxId);
        Assert.Null(account.Organization);
        Assert.NotNull(_world.Keys.Find(account.AccountId));
        Assert.Empty(_world.Doctors.Enrolled);
    }

    [Fact]
    public async Task Registration_records_UserRegistered_and_RoleAssigned_without_personal_data()
    {
        var account = await _world.RegisterAsync(IdentityWorld.Patient());

        var registered = Assert.IsType<UserRegistered>(_world.Events.Events[0]);
        var assigned = Assert.IsType<RoleAssigned>(_world.Events.Events[1]);
        Assert.Equal(account.AccountId, registered.AccountId);
        Assert.Equal(AccountRole.Patient, registered.Role);
        Assert.Equal(account.AddUserTxId, registered.ChainTransactionId);
        Assert.Equal(AccountRole.Patient, assigned.Role);
        Assert.NotEqual(registered.EventId, assigned.EventId);
    }

    [Fact]
    public async Task A_second_patient_account_for_the_same_document_is_already_exists_however_it_is_written()
    {
        await _world.RegisterAsync(IdentityWorld.Patient("AB-123456"));

        var error = await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Patient("AB-123456", "another password!")));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Equal(1, _world.Accounts.Count);
    }

    [Fact]
    public async Task The_same_person_may_hold_one_patient_and_one_doctor_account()
    {
        var patient = await _world.RegisterAsync(IdentityWorld.Patient("DR-778899"));
        var doctor = await _world.RegisterAsync(IdentityWorld.Doctor("DR-778899"));

        Assert.NotEqual(patient.AccountId, doctor.AccountId);
        var again = await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Doctor("DR-778899", "another password!")));
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
    }

    [Fact]
    public async Task The_same_registration_sent_again_after_its_answer_was_lost_returns_the_first_account()
    {
        var first = await _world.RegisterAsync(IdentityWorld.Patient("RT-445566"));
        var events = _world.Events.Events.Count;

        var again = await _world.RegisterAsync(IdentityWorld.Patient("RT-445566"));

        Assert.Equal(first.AccountId, again.AccountId);
        Assert.Equal(AccountStatus.Active, again.Status);
        Assert.Equal(events, _world.Events.Events.Count);
        Assert.Single(_world.Chain.Users);
    }

    [Fact]
    public async Task An_enrolled_doctor_is_attested_added_as_doctor_and_enrolled_on_the_records_chain()
    {
        var account = await _world.RegisterAsync(IdentityWorld.Doctor());

        Assert.Equal("HospitalAMSP", account.Organization);
        Assert.Equal(Roles.Doctor, _world.Chain.Users[account.AccountId].Role);
        Assert.Equal("HospitalAMSP", _world.Chain.Attestations[account.DocumentHash]);
        Assert.Equal([(account.AccountId, "HospitalAMSP", "DR-778899")], _world.Doctors.Enrolled);
        Assert.NotNull(account.EnrollMemberTxId);
        Assert.Equal("HospitalAMSP", Assert.IsType<UserRegistered>(_world.Events.Events[0]).OrganisationMspId);
    }

    [Fact]
    public async Task A_document_no_hospital_enrolled_gets_no_doctor_account_and_leaves_nothing_behind()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Doctor("NOT-A-DOCTOR")));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal(0, _world.Accounts.Count);
        Assert.Empty(Directory.GetFiles(Path.Combine(_world.DataDirectory, "keystore")));
        Assert.Empty(_world.Chain.Users);
        Assert.Empty(_world.Events.Events);
    }

    [Fact]
    public async Task A_slot_already_taken_on_the_chain_is_already_exists_and_is_rolled_back()
    {
        _world.Chain.TakeSlot(_world.Registrar.DocumentHash("AB-123456"), Roles.Patient);

        var error = await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Patient()));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Equal(0, _world.Accounts.Count);
        Assert.Empty(Directory.GetFiles(Path.Combine(_world.DataDirectory, "keystore")));
    }

    [Fact]
    public async Task When_the_chain_is_down_before_anything_was_sent_nothing_is_created()
    {
        _world.Doctors.Unavailable = true;

        var error = await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Doctor()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(0, _world.Accounts.Count);
    }

    [Fact]
    public async Task A_lost_add_user_answer_is_finished_by_a_retry_with_the_same_key()
    {
        _world.Chain.LoseNextAddUserAnswer = true;
        var first = await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Patient()));
        Assert.Equal(StatusCode.Unavailable, first.StatusCode);
        var pending = Assert.Single(_world.Accounts.Pending());

        var account = await _world.RegisterAsync(IdentityWorld.Patient());

        Assert.Equal(pending.AccountId, account.AccountId);
        Assert.Equal(AccountStatus.Active, account.Status);
        Assert.Single(_world.Chain.Users);
        Assert.NotNull(account.AddUserTxId);
        Assert.Single(Directory.GetFiles(Path.Combine(_world.DataDirectory, "keystore")));
    }

    [Fact]
    public async Task A_half_way_registration_can_only_be_resumed_with_its_own_password()
    {
        _world.Chain.LoseNextAddUserAnswer = true;
        await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Patient()));

        var error = await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Patient(password: "someone else's password")));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
    }

    [Fact]
    public async Task A_crash_before_add_user_was_sent_is_taken_over_by_the_retry_with_the_same_key()
    {
        // What a crash between writing the pending account and sending add_user leaves behind.
        var key = _world.Keys.Create();
        _world.Accounts.Save(new AccountRecord
        {
            AccountId = key.AccountId,
            Role = Roles.Patient,
            DocumentHash = _world.Registrar.DocumentHash("AB-123456"),
            Status = AccountStatus.Pending,
            PasswordHash = new HybridEhr.Identity.Passwords.PasswordHasher(1000).Hash("the first password"),
            PersonalData = _world.Accounts.SealPersonalData(key.AccountId, new PersonalData("AB-123456", "A", "R", "a@example.org")),
            CreatedAt = _world.Time.Now,
        });
        _world.Restart();

        var account = await _world.RegisterAsync(IdentityWorld.Patient());

        Assert.Equal(key.AccountId, account.AccountId);
        Assert.Equal(1, _world.Accounts.Count);
        Assert.Equal("Ana", _world.Accounts.OpenPersonalData(account).FirstName);
        _world.Authenticator.Login(new AccountSelector.ById(account.AccountId), IdentityWorld.Password);
    }

    [Fact]
    public async Task A_chain_that_is_down_at_add_user_leaves_a_pending_account_the_retry_finishes()
    {
        _world.Chain.Unavailable = true;
        var error = await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Patient()));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var pending = Assert.Single(_world.Accounts.Pending());
        _world.Chain.Unavailable = false;

        var account = await _world.RegisterAsync(IdentityWorld.Patient());

        Assert.Equal(pending.AccountId, account.AccountId);
        Assert.Equal(AccountStatus.Active, account.Status);
    }

    [Fact]
    public async Task A_crash_after_add_user_is_completed_by_recovery_after_restart()
    {
        _world.Doctors.EnrollUnavailable = true;
        var error = await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Doctor()));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("same registration again", error.Status.Detail, StringComparison.Ordinal);
        var pending = Assert.Single(_world.Accounts.Pending());
        Assert.True(pending.OnChain);

        _world.Restart();
        _world.Doctors.EnrollUnavailable = false;
        var settled = await _world.Registrar.RecoverPendingAsync(CancellationToken.None);

        Assert.Equal(1, settled);
        var account = _world.Accounts.Find(pending.AccountId)!;
        Assert.Equal(AccountStatus.Active, account.Status);
        Assert.Single(_world.Doctors.Enrolled);
        var token = _world.Authenticator.Login(new AccountSelector.ById(account.AccountId), IdentityWorld.Password);
        Assert.Equal("HospitalAMSP", token.Claims.Organization);
    }

    [Fact]
    public async Task A_crash_with_the_add_user_answer_lost_is_reconciled_from_the_chain_by_recovery()
    {
        _world.Chain.LoseNextAddUserAnswer = true;
        await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Patient()));
        _world.Restart();

        Assert.Equal(1, await _world.Registrar.RecoverPendingAsync(CancellationToken.None));

        var account = Assert.Single(_world.Chain.Users).Value;
        var stored = _world.Accounts.Find(account.Account)!;
        Assert.Equal(AccountStatus.Active, stored.Status);
        Assert.NotNull(stored.AddUserTxId);
        Assert.Equal(1, _world.Chain.AddUserCalls);
    }

    [Fact]
    public async Task Events_recorded_again_after_a_crash_carry_the_same_ids()
    {
        var account = await _world.RegisterAsync(IdentityWorld.Patient());
        var ids = _world.Events.Events.Select(e => e.EventId).ToList();

        // Play the crash between the outbox and the status change: the account is Pending again, recovery completes it.
        _world.Accounts.Save(account with { Status = AccountStatus.Pending });
        _world.Restart();
        await _world.Registrar.RecoverPendingAsync(CancellationToken.None);

        Assert.Equal(ids, _world.Events.Events.Skip(2).Select(e => e.EventId));
    }

    [Fact]
    public async Task A_pending_registration_that_never_reached_the_chain_is_rolled_back_after_the_timeout()
    {
        _world.Chain.Unavailable = true;
        await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Patient()));
        _world.Chain.Unavailable = false;
        Assert.Single(_world.Accounts.Pending());

        Assert.Equal(0, await _world.Registrar.RecoverPendingAsync(CancellationToken.None));
        _world.Time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(1, await _world.Registrar.RecoverPendingAsync(CancellationToken.None));

        Assert.Equal(0, _world.Accounts.Count);
        Assert.Empty(Directory.GetFiles(Path.Combine(_world.DataDirectory, "keystore")));
    }

    [Fact]
    public async Task A_key_left_without_an_account_by_a_crash_is_deleted_once_old_enough()
    {
        _world.Time.Now = DateTimeOffset.UtcNow;
        var orphan = _world.Keys.Create();
        var fresh = _world.Keys.Create();
        File.SetLastWriteTimeUtc(Path.Combine(_world.DataDirectory, "keystore", orphan.AccountId + ".key.json"), DateTime.UtcNow.AddHours(-1));
        var account = await _world.RegisterAsync(IdentityWorld.Patient());
        File.SetLastWriteTimeUtc(Path.Combine(_world.DataDirectory, "keystore", account.AccountId + ".key.json"), DateTime.UtcNow.AddHours(-1));

        Assert.Equal(1, await _world.Registrar.RecoverPendingAsync(CancellationToken.None));

        _world.Restart();
        Assert.Null(_world.Keys.Find(orphan.AccountId));
        Assert.NotNull(_world.Keys.Find(fresh.AccountId));
        Assert.NotNull(_world.Keys.Find(account.AccountId));
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_document_create_one_account()
    {
        var attempts = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try
            {
                await _world.RegisterAsync(IdentityWorld.Patient());
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }));

        var outcomes = await Task.WhenAll(attempts);

        // Identical requests: one registers, the others are the same registration sent again and get its result.
        Assert.All(outcomes, o => Assert.Equal(StatusCode.OK, o));
        Assert.Single(_world.Chain.Users);
        Assert.Equal(1, _world.Accounts.Count);
    }
}
