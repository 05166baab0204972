using System.Security.Cryptography;
using System.Text;
using Orleans.Dashboard;

namespace TenantChat.Silo.Extensions;

/// <summary>
/// The Orleans dashboard (grains, silos, calls) at <c>/dashboard</c> on the silo's HTTP endpoint, for the platform
/// operator only: it runs only when the silo has <c>Admin:ApiKey</c>, and every request must carry that key, as a
/// bearer token or as the password of HTTP Basic authentication (which a browser asks for and then sends with each
/// of the dashboard's own requests).
/// </summary>
public static class OperatorDashboard
{
    public const string Path = "/dashboard";

    public static ISiloBuilder AddOperatorDashboard(this ISiloBuilder silo, IConfiguration configuration) =>
        string.IsNullOrEmpty(configuration["Admin:ApiKey"]) ? silo : silo.AddDashboard();

    public static WebApplication MapOperatorDashboard(this WebApplication app)
    {
        if (app.Configuration["Admin:ApiKey"] is not { Length: > 0 } key)
        {
            return app;
        }
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), dashboard => dashboard.UseMiddleware<OperatorKeyGate>(key));
        app.MapOrleansDashboard(Path);
        return app;
    }
}

/// <summary>Lets a request through only with the operator key (bearer, or Basic with any user name); else 401.</summary>
public sealed class OperatorKeyGate(RequestDelegate next, string operatorKey)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(operatorKey);

    public Task InvokeAsync(HttpContext httpContext)
    {
        if (Presented(httpContext.Request.Headers.Authorization.ToString()) is { } presented
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key))
        {
            return next(httpContext);
        }
        httpContext.Response.StatusCode = StatusCodes.Status401Unauthorized;
        httpContext.Response.Headers.WWWAuthenticate = "Basic realm=\"TenantChat operator\", Bearer";
        return Task.CompletedTask;
    }

    private static string? Presented(string authorization)
    {
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            var credentials = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            var colon = credentials.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : credentials[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
