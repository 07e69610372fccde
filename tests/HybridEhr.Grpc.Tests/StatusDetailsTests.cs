using Google.Rpc;
using Grpc.Core;
using HybridEhr.ServiceDefaults.Errors;
using Xunit;

namespace HybridEhr.Grpc.Tests;

/// <summary>The google.rpc.Status every refusal carries, built without a network.</summary>
public sealed class StatusDetailsTests
{
    private const string Method = "/hybridehr.test.v1.Things/Do";

    [Fact]
    public void Every_refusal_names_its_code_and_service_in_an_error_info()
    {
        var status = StatusDetailsInterceptor.Describe(StatusCode.DeadlineExceeded, "took too long", Method);

        Assert.Equal((int)StatusCode.DeadlineExceeded, status.Code);
        Assert.Equal("took too long", status.Message);
        var info = Assert.Single(status.Details).Unpack<ErrorInfo>();
        Assert.Equal("DEADLINE_EXCEEDED", info.Reason);
        Assert.Equal("hybridehr.test.v1.Things", info.Domain);
    }

    [Fact]
    public void An_invalid_argument_that_opens_with_a_request_field_path_names_it_in_a_bad_request()
    {
        // Any message serves as the request: BadRequest has field_violations, whose items have field and description.
        var request = new BadRequest();

        var nested = StatusDetailsInterceptor.Describe(StatusCode.InvalidArgument, "field_violations.field must not be empty.", Method, request);
        var violation = Assert.Single(nested.Details.Single(d => d.Is(BadRequest.Descriptor)).Unpack<BadRequest>().FieldViolations);
        Assert.Equal("field_violations.field", violation.Field);
        Assert.Equal("field_violations.field must not be empty.", violation.Description);

        Assert.DoesNotContain(StatusDetailsInterceptor.Describe(StatusCode.InvalidArgument, "Say which account to log into.", Method, request).Details,
            d => d.Is(BadRequest.Descriptor));
        Assert.DoesNotContain(StatusDetailsInterceptor.Describe(StatusCode.InvalidArgument, "field_violations.nope is wrong", Method, request).Details,
            d => d.Is(BadRequest.Descriptor));
        Assert.DoesNotContain(StatusDetailsInterceptor.Describe(StatusCode.NotFound, "field_violations is empty", Method, request).Details,
            d => d.Is(BadRequest.Descriptor));
    }
}
