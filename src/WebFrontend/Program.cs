using Prometheus;
using TenantChat.Shared;
using TenantChat.WebFrontend.Apis;
using TenantChat.WebFrontend.Apis.Chat;
using TenantChat.WebFrontend.Extensions;
using TenantChat.WebFrontend.Tenancy;

// Settings ship beside the assembly: `dotnet X.dll` works from any working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddApplicationServices();

var app = builder.Build();
app.UseTenantRouting();
app.MapHealthEndpoints();
app.MapMetrics();
app.MapApiDocs();

// Served on a tenant's host: the request's tenant is found by its Host header.
var tenantApis = app.MapGroup("").ForTenantHost();
tenantApis.MapChatApi();
tenantApis.MapOpenAiCompatibleApi();
tenantApis.MapAccountsApi();
tenantApis.MapCustomerDataApi();
tenantApis.MapConversationsApi();
tenantApis.MapTenantApi();

// The platform operator's, on any host.
app.MapAdminApi();
app.Run();

/// <summary>Entry point, public so functional tests can host it with WebApplicationFactory.</summary>
public partial class Program;
