using YamlDotNet.RepresentationModel;

namespace TenantChat.Tests.Infrastructure;

/// <summary>Files of the checkout the tests run from: the deploy files, docker-compose, docs.</summary>
public static class RepositoryFiles
{
    /// <summary>The folder holding TenantChat.sln, found upwards from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    /// <summary>The first document of a YAML file, as a mapping.</summary>
    public static YamlMappingNode Yaml(string relativePath)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(PathOf(relativePath)));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "TenantChat.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException("TenantChat.sln not found above the test binaries: the tests run from inside the repository.");
    }
}
