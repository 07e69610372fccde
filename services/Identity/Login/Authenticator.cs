using System.Globalization;
using Grpc.Core;
using HybridEhr.Identity.Accounts;
using HybridEhr.Identity.Passwords;
using HybridEhr.Identity.Tokens;
using HybridEhr.Security;

namespace HybridEhr.Identity.Login;

/// <summary>Which account a login names: its id, or a document with a role.</summary>
public abstract record AccountSelector
{
    public sealed record ById(string AccountId) : AccountSelector;

    public sealed record ByDocument(string DocumentHash, string Role) : AccountSelector;
}

/// <summary>An issued access token.</summary>
public sealed record IssuedToken(string Token, AccessTokenClaims Claims);

/// <summary>
/// Checks passwords and issues access tokens. A wrong password and an unknown account give the same answer after the
/// same work (<see cref="PasswordHasher.VerifyDecoy"/>), so accounts cannot be discovered by trying documents.
/// </summary>
public sealed class Authenticator(AccountStore accounts, PasswordHasher hasher, TokenIssuer tokens, LoginThrottle throttle)
{
    public IssuedToken Login(AccountSelector selector, string password)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var throttleKey = selector switch
        {
            AccountSelector.ById id => "id:" + id.AccountId,
            AccountSelector.ByDocument document => "document:" + document.DocumentHash + ":" + document.Role,
            _ => throw new ArgumentOutOfRangeException(nameof(selector)),
        };
        var wait = throttle.RetryAfter(throttleKey);
        if (wait > TimeSpan.Zero)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"Too many failed login attempts for this account; try again in {Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture)} seconds."));
        }

        var account = selector switch
        {
            AccountSelector.ById id => accounts.Find(id.AccountId),
            AccountSelector.ByDocument document => accounts.FindBySlot(document.DocumentHash, document.Role),
            _ => null,
        };

        bool valid;
        if (account is { Status: AccountStatus.Active })
        {
            valid = PasswordHasher.Verify(password, account.PasswordHash);
        }
        else
        {
            hasher.VerifyDecoy(password);
            valid = false;
        }

        if (!valid)
        {
            throttle.RecordFailure(throttleKey);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The account or the password is wrong."));
        }

        throttle.RecordSuccess(throttleKey);
        var (token, claims) = tokens.IssueAccessToken(account!.AccountId, account.Role, account.Organization);
        return new IssuedToken(token, claims);
    }
}
