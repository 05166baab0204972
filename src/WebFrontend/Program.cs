using Prometheus;
using TenantChat.Shared;
using TenantChat.WebFrontend.Apis;
using TenantChat.WebFrontend.Apis.Chat;
using TenantChat.WebFrontend.Extensions;
using TenantChat.WebFrontend.Pages;

// Settings ship beside the assembly: `dotnet X.dll` works from any working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddApplicationServices();

var app = builder.Build();
app.UseTenantRouting();
app.MapHealthEndpoints();
app.MapMetrics();
app.MapApiDocs();

// Each tenant API marks its routes ForTenantHost(): the request's tenant is found by its Host header.
app.MapChatApi();
app.MapOpenAiCompatibleApi();
app.MapAccountsApi();
app.MapCustomerDataApi();
app.MapKnowledgeApi();
app.MapConversationsApi();
app.MapTenantApi();

// The platform operator's, on any host.
app.MapAdminApi();
app.MapPages();
app.MapAuditApi();
app.MapUsageApi();
app.MapTenantDataApi();
app.MapClusterApi();
app.Run();

/// <summary>Entry point, public so functional tests can host it with WebApplicationFactory.</summary>
public partial class Program;
