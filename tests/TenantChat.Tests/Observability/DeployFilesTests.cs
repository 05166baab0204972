using System.Text.Json;
using System.Text.RegularExpressions;
using TenantChat.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace TenantChat.Tests.Observability;

/// <summary>
/// deploy/'s Grafana dashboard, Prometheus configuration and alert rules, and docker-compose's observability
/// profile: they parse, and every metric they query is one the running system exports on /metrics. (Docker is not
/// available here, so `docker compose config` cannot run; the compose file is checked structurally instead.)
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class DeployFilesTests(ClusterFixture fixture)
{
    private static readonly string Root = RepositoryFiles.Root;

    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    /// <summary>Series Prometheus makes itself, for every target it scrapes.</summary>
    private static readonly HashSet<string> PrometheusOwn = ["up"];

    [Fact]
    public async Task The_dashboard_and_the_alert_rules_query_only_metrics_the_system_exports()
    {
        var exported = await ExportedFamiliesAsync();
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "deploy/grafana/dashboards/tenantchat.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        var dashboardQueries = panels.SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()!).ToList();
        var rules = RepositoryFiles.Yaml("deploy/prometheus/alerts.yml")["groups"].AllNodes.OfType<YamlMappingNode>()
            .Where(node => node.Children.ContainsKey("alert")).ToList();
        var ruleQueries = rules.Select(rule => ((YamlScalarNode)rule["expr"]).Value!).ToList();

        // The panels and alerts the issue asks for are there.
        var titles = panels.Select(panel => panel.GetProperty("title").GetString()!).ToList();
        foreach (var title in new[] { "Chat calls", "Refusals", "Tokens", "Upstream latency", "Error rate", "Cache hit rate", "Writer batch size", "Writer commit latency", "Silos" })
        {
            Assert.Contains(titles, t => t.StartsWith(title, StringComparison.Ordinal));
        }
        Assert.Equal(
            ["TenantChatHighErrorRate", "TenantChatSiloDown", "TenantChatTenantNearBudget", "TenantChatUpstreamCircuitOpen", "TenantChatUpstreamSlow", "TenantChatWriterBacklog"],
            rules.Select(rule => ((YamlScalarNode)rule["alert"]).Value!).Order(StringComparer.Ordinal));

        foreach (var query in dashboardQueries.Concat(ruleQueries))
        {
            var metrics = MetricNames().Matches(query).Select(m => m.Value).ToList();
            Assert.NotEmpty(metrics);
            foreach (var metric in metrics)
            {
                Assert.True(exported.Contains(FamilyOf(metric, exported)) || PrometheusOwn.Contains(metric),
                    $"'{metric}' in \"{query}\" is not exported on /metrics");
            }
        }
    }

    [Fact]
    public void The_observability_profile_runs_prometheus_grafana_and_jaeger_wired_to_the_files_in_deploy()
    {
        var compose = RepositoryFiles.Yaml("docker-compose.yml");
        var services = (YamlMappingNode)compose["services"];
        foreach (var name in new[] { "prometheus", "grafana", "jaeger" })
        {
            var service = (YamlMappingNode)services[name];
            Assert.Equal("observability", Assert.Single(((YamlSequenceNode)service["profiles"]).Children).ToString());
            Assert.False(string.IsNullOrEmpty(service["image"].ToString()));
            if (service.Children.TryGetValue("volumes", out var volumes))
            {
                foreach (var mount in ((YamlSequenceNode)volumes).Children.Select(v => v.ToString()).Where(v => v.StartsWith("./", StringComparison.Ordinal)))
                {
                    Assert.True(Path.Exists(Path.Combine(Root, mount.Split(':')[0])), $"{name} mounts {mount}, which does not exist");
                }
            }
        }
        // The system's own services are not in the profile: `docker compose up` without it is unchanged.
        Assert.False(((YamlMappingNode)services["silo1"]).Children.ContainsKey("profiles"));

        var scrape = RepositoryFiles.Yaml("deploy/prometheus/prometheus.yml");
        var targets = scrape["scrape_configs"].AllNodes.OfType<YamlScalarNode>().Select(node => node.Value).ToList();
        Assert.Contains("silo1:8080", targets);
        Assert.Contains("frontend2:8080", targets);
        Assert.Contains("/etc/prometheus/alerts.yml", scrape["rule_files"].AllNodes.OfType<YamlScalarNode>().Select(node => node.Value));
        var sources = RepositoryFiles.Yaml("deploy/grafana/provisioning/datasources/datasources.yml")["datasources"].AllNodes.OfType<YamlScalarNode>().Select(n => n.Value).ToList();
        Assert.Contains("http://prometheus:9090", sources);
        Assert.Contains("http://jaeger:16686", sources);
    }

    /// <summary>Every metric family on the frontend's /metrics once a chat call has passed (histograms by their base name).</summary>
    private async Task<HashSet<string>> ExportedFamiliesAsync()
    {
        var tenant = await fixture.CreateTenantAsync("Deploy files tenant.");
        using (await tenant.Client.ChatAsync("Fill the metrics."))
        {
        }
        using var scraper = fixture.ClientFor("metrics.test");
        var metrics = await PrometheusText.ScrapeAsync(scraper);
        return [.. TypeLine().Matches(metrics.Text).Select(m => m.Groups[1].Value)];
    }

    private static string FamilyOf(string metric, HashSet<string> exported) =>
        HistogramSuffixes.Select(suffix => metric.EndsWith(suffix, StringComparison.Ordinal) ? metric[..^suffix.Length] : null)
            .FirstOrDefault(family => family is not null && exported.Contains(family)) ?? metric;



    [GeneratedRegex(@"\b(?:tenantchat|orleans|http)_[a-z0-9_]+|\bup\b")]
    private static partial Regex MetricNames();

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
