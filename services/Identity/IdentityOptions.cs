using HybridEhr.Security;
using Microsoft.Extensions.Configuration;

namespace HybridEhr.Identity;

/// <summary>Identity's settings, read once at start-up (see <see cref="FromConfiguration"/> for the keys).</summary>
public sealed class IdentityOptions
{
    /// <summary>Where accounts, keys and the outbox live ("DataDirectory", default .data/identity).</summary>
    public string DataDirectory { get; init; } = Path.GetFullPath(Path.Combine(".data", "identity"));

    /// <summary>Base64 of 32 bytes ("Identity:MasterKey"); null = a generated development key in the data directory.</summary>
    public string? MasterKey { get; init; }

    /// <summary>PBKDF2 iterations for new password hashes ("Identity:PasswordIterations"); OWASP's 2023 figure by default.</summary>
    public int PasswordIterations { get; init; } = 600_000;

    /// <summary>identity.proto asks for 12-128 characters ("Identity:MinimumPasswordLength").</summary>
    public int MinimumPasswordLength { get; init; } = 12;

    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Identity's own token for its calls to FabricGateway; renewed well before it ends.</summary>
    public TimeSpan ServiceTokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Failed logins of one account selector within <see cref="FailedLoginWindow"/> before RESOURCE_EXHAUSTED.</summary>
    public int MaxFailedLogins { get; init; } = 5;

    public TimeSpan FailedLoginWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A registration that never reached the chain is rolled back after this long (a retry within it resumes it).</summary>
    public TimeSpan PendingRegistrationTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>"Security:DocumentPepper", shared with the hospitals' enrolment (see <see cref="DocumentIds"/>).</summary>
    public string DocumentPepper { get; init; } = DocumentIds.DevelopmentPepper;

    /// <summary>Hex seed of the registrar's permission-chain key ("Identity:RegistrarSeed"); null = the devnet's development registrar.</summary>
    public string? RegistrarSeed { get; init; }

    public static IdentityOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("Identity");
        var defaults = new IdentityOptions();
        return new IdentityOptions
        {
            DataDirectory = Path.GetFullPath(configuration["DataDirectory"] ?? defaults.DataDirectory),
            MasterKey = NullIfEmpty(section["MasterKey"]),
            PasswordIterations = section.GetValue("PasswordIterations", defaults.PasswordIterations),
            MinimumPasswordLength = section.GetValue("MinimumPasswordLength", defaults.MinimumPasswordLength),
            AccessTokenLifetime = section.GetValue("AccessTokenLifetime", defaults.AccessTokenLifetime),
            ServiceTokenLifetime = section.GetValue("ServiceTokenLifetime", defaults.ServiceTokenLifetime),
            MaxFailedLogins = section.GetValue("MaxFailedLogins", defaults.MaxFailedLogins),
            FailedLoginWindow = section.GetValue("FailedLoginWindow", defaults.FailedLoginWindow),
            PendingRegistrationTimeout = section.GetValue("PendingRegistrationTimeout", defaults.PendingRegistrationTimeout),
            DocumentPepper = NullIfEmpty(configuration["Security:DocumentPepper"]) ?? defaults.DocumentPepper,
            RegistrarSeed = NullIfEmpty(section["RegistrarSeed"]),
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
