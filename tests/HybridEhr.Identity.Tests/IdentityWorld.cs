using HybridEhr.Identity.Accounts;
using HybridEhr.Identity.Crypto;
using HybridEhr.Identity.Keys;
using HybridEhr.Identity.Login;
using HybridEhr.Identity.Passwords;
using HybridEhr.Identity.Registration;
using HybridEhr.Identity.Tokens;
using HybridEhr.Security;
using Microsoft.Extensions.Logging.Abstractions;

namespace HybridEhr.Identity.Tests;

/// <summary>
/// Identity's domain wired as the service wires it, over a temporary data directory and fake ports. <see cref="Restart"/>
/// builds everything again from the same directory, as a process restart would.
/// </summary>
public sealed class IdentityWorld : IDisposable
{
    public const string Password = "correct horse battery";
    public static readonly byte[] MasterKey = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private readonly TempDirectory _directory = new();

    public IdentityWorld() => Build();

    public string DataDirectory => _directory.Path;

    public ManualTime Time { get; } = new(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero));

    public FakePermissionChain Chain { get; } = new();

    public FakeDoctorRegistry Doctors { get; } = new();

    public RecordingEventSink Events { get; } = new();

    public IdentityOptions Options => new()
    {
        DataDirectory = _directory.Path,
        PasswordIterations = 1000,
        PendingRegistrationTimeout = TimeSpan.FromMinutes(15),
    };

    public KeyEncryptionKey Kek { get; private set; } = null!;

    public AccountStore Accounts { get; private set; } = null!;

    public ChainKeyStore Keys { get; private set; } = null!;

    public Registrar Registrar { get; private set; } = null!;

    public Authenticator Authenticator { get; private set; } = null!;

    public TokenSigningKey SigningKey { get; private set; } = null!;

    public void Restart() => Build();

    public static NewAccount Patient(string document = "AB-123456", string password = Password) =>
        new(document, "Ana", "Rojas", "ana.rojas@example.org", password, Roles.Patient);

    public static NewAccount Doctor(string document = "DR-778899", string password = Password) =>
        new(document, "Luis", "Herrera", "luis.herrera@example.org", password, Roles.Doctor);

    public Task<AccountRecord> RegisterAsync(NewAccount account) => Registrar.RegisterAsync(account, CancellationToken.None);

    public void Dispose()
    {
        SigningKey.Dispose();
        _directory.Dispose();
    }

    private void Build()
    {
        var options = Options;
        Kek = new KeyEncryptionKey(MasterKey);
        Accounts = new AccountStore(options.DataDirectory, Kek);
        Keys = new ChainKeyStore(options.DataDirectory, Kek);
        var hasher = new PasswordHasher(options.PasswordIterations);
        Registrar = new Registrar(Accounts, Keys, hasher, Chain, Doctors, Events, Time, options, NullLogger<Registrar>.Instance);
        SigningKey?.Dispose();
        SigningKey = TokenSigningKey.LoadOrCreate(options.DataDirectory, Kek, Time);
        var issuer = new TokenIssuer(SigningKey, Time, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(5));
        Authenticator = new Authenticator(Accounts, hasher, issuer, new LoginThrottle(3, TimeSpan.FromMinutes(15), Time));
    }
}
