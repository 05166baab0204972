using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;

namespace TenantChat.WebFrontend.Pages;

/// <summary>
/// The visitor chat page with the tenant's name in its title and heading. The name is the only tenant datum the
/// frontend writes into a page, HTML-encoded, and only on that tenant's own host; everything else stays a client
/// of the public chat API. The validator is of the page as written, so a renamed tenant's page is fetched again.
/// </summary>
public static class VisitorPage
{
    public const string NamePlaceholder = "{{tenant_name}}";

    public static PageAsset Render(PageAsset template, string tenantName)
    {
        var html = Encoding.UTF8.GetString(template.Content).Replace(NamePlaceholder, HtmlEncoder.Default.Encode(tenantName), StringComparison.Ordinal);
        var content = Encoding.UTF8.GetBytes(html);
        return new PageAsset(content, template.ContentType, "\"" + Convert.ToHexString(SHA256.HashData(content))[..16] + "\"");
    }
}
