using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.Identity.V1;
using Grpc.Core;
using HybridEhr.Identity.Accounts;
using HybridEhr.Identity.Chain;
using HybridEhr.Identity.Login;
using HybridEhr.Identity.Registration;
using HybridEhr.Identity.Signing;
using HybridEhr.Identity.Tokens;
using HybridEhr.Security;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;
using Microsoft.AspNetCore.Authorization;

namespace HybridEhr.Identity;

/// <summary>
/// hybridehr.identity.v1.Identity: translates between the wire and the domain classes (<see cref="Registrar"/>,
/// <see cref="Authenticator"/>, <see cref="TransactionSigningService"/>, the permission chain); no rules live here
/// beyond checking the request's shape.
/// </summary>
public sealed class IdentityService(
    Registrar registrar,
    Authenticator authenticator,
    AccountStore accounts,
    IPermissionChain chain,
    TokenSigningKey signingKey,
    TransactionSigningService signing,
    IdentityOptions options) : IdentityApi.IdentityBase
{

    internal static readonly TimeSpan SigningKeysCacheFor = TimeSpan.FromMinutes(5);


    [AllowAnonymous]
    public override async Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        var newAccount = new NewAccount(
            InputRules.Document(request.IdentityDocumentNumber),
            InputRules.Name(request.FirstName, "first_name"),
            InputRules.Name(request.LastName, "last_name"),
            InputRules.Email(request.Email),
            InputRules.NewPassword(request.Password, options.MinimumPasswordLength),
            RoleName(request.RequestedRole, "requested_role"));
        var account = await registrar.RegisterAsync(newAccount, context.CancellationToken).ConfigureAwait(false);
        return new RegisterResponse
        {
            AccountId = account.AccountId,
            Role = ToProto(account.Role),
            OrganisationMspId = account.Organization ?? "",
            RegisteredAt = Timestamp.FromDateTimeOffset(account.RegisteredAt ?? account.CreatedAt),
            AddUserTxId = account.AddUserTxId ?? "",
            // add_user sets the role in the same transaction; there is no separate assign_role for a new account.
            AssignRoleTxId = account.AddUserTxId ?? "",
        };
    }

    [AllowAnonymous]
    public override Task<LoginResponse> Login(LoginRequest request, ServerCallContext context)
    {
        AccountSelector selector = request.AccountCase switch
        {
            LoginRequest.AccountOneofCase.AccountId => new AccountSelector.ById(InputRules.AccountId(request.AccountId)),
            LoginRequest.AccountOneofCase.DocumentAndRole => new AccountSelector.ByDocument(
                registrar.DocumentHash(InputRules.Document(request.DocumentAndRole.IdentityDocumentNumber, "document_and_role.identity_document_number")),
                RoleName(request.DocumentAndRole.Role, "document_and_role.role")),
            _ => throw InputRules.Invalid("Say which account to log into: account_id, or document_and_role."),
        };
        var issued = authenticator.Login(selector, InputRules.LoginPassword(request.Password));
        return Task.FromResult(new LoginResponse
        {
            AccessToken = issued.Token,
            ExpiresAt = Timestamp.FromDateTimeOffset(issued.Claims.ExpiresAt),
            AccountId = issued.Claims.Subject,
            Role = ToProto(issued.Claims.Role),
        });
    }

    public override Task<GetAccountResponse> GetAccount(GetAccountRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var account = accounts.Find(caller.AccountId);
        if (account is not { Status: AccountStatus.Active })
        {
            throw new RpcException(new Status(StatusCode.NotFound, "There is no account for this token's subject (it was erased, or the token is a service's)."));
        }

        var personal = accounts.OpenPersonalData(account);
        return Task.FromResult(new GetAccountResponse
        {
            AccountId = account.AccountId,
            Role = ToProto(account.Role),
            IdentityDocumentNumber = personal.DocumentNumber,
            FirstName = personal.FirstName,
            LastName = personal.LastName,
            Email = personal.Email,
            OrganisationMspId = account.Organization ?? "",
            RegisteredAt = Timestamp.FromDateTimeOffset(account.RegisteredAt ?? account.CreatedAt),
        });
    }

    public override async Task<UserExistsResponse> UserExists(UserExistsRequest request, ServerCallContext context)
    {
        var accountId = InputRules.AccountId(request.AccountId);
        return new UserExistsResponse { Exists = await chain.UserExistsAsync(accountId, context.CancellationToken).ConfigureAwait(false) };
    }

    public override async Task<GetRoleResponse> GetRole(GetRoleRequest request, ServerCallContext context)
    {
        var accountId = InputRules.AccountId(request.AccountId);
        var role = await chain.UserRoleAsync(accountId, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No account {accountId} exists on the permission chain."));
        return new GetRoleResponse { AccountId = accountId, Role = ToProto(role) };
    }

    public override async Task<GetMyRoleResponse> GetMyRole(GetMyRoleRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var role = caller.IsService || !HybridEhr.Devnet.Ledger.AccountIds.TryParse(caller.AccountId, out _)
            ? null
            : await chain.UserRoleAsync(caller.AccountId, context.CancellationToken).ConfigureAwait(false);
        return role is null
            ? throw new RpcException(new Status(StatusCode.NotFound, "The permission chain has no account for this token's subject."))
            : new GetMyRoleResponse { AccountId = caller.AccountId, Role = ToProto(role) };
    }

    [AllowAnonymous]
    public override Task<GetSigningKeysResponse> GetSigningKeys(GetSigningKeysRequest request, ServerCallContext context) =>
        Task.FromResult(new GetSigningKeysResponse
        {
            Keys =
            {
                new SigningKey
                {
                    KeyId = signingKey.KeyId,
                    Algorithm = AccessTokens.Algorithm,
                    PublicKey = ByteString.CopyFrom(signingKey.SubjectPublicKeyInfo),
                    NotBefore = Timestamp.FromDateTimeOffset(signingKey.NotBefore),
                },
            },
            CacheFor = Duration.FromTimeSpan(SigningKeysCacheFor),
        });

    public override async Task<SignTransactionResponse> SignTransaction(SignTransactionRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var signature = await signing.SignAsync(caller.AccountId, request.Payload.ToByteArray(), request.Format, context.CancellationToken);
        return new SignTransactionResponse
        {
            Signature = ByteString.CopyFrom(signature.Signature),
            AccountId = signature.AccountId,
            PublicKey = ByteString.CopyFrom(signature.PublicKey),
        };
    }

    private static string RoleName(Role role, string field) => role switch
    {
        Role.Patient => Roles.Patient,
        Role.Doctor => Roles.Doctor,
        _ => throw InputRules.Invalid($"{field} must be ROLE_PATIENT or ROLE_DOCTOR."),
    };

    private static Role ToProto(string role) => role switch
    {
        Roles.Patient => Role.Patient,
        Roles.Doctor => Role.Doctor,
        _ => Role.Unspecified,
    };
}
