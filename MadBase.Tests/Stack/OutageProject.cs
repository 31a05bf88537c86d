using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Auth;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Stack;

/// <summary>
/// A project of its own with something to read in every module (a table anon may read, a user who signs
/// in with a password, the buckets list), and one request to each that touches its database.
/// </summary>
internal sealed class OutageProject
{
    private const string Password = "secret-123";

    /// <summary>Long enough for any healthy request on a loaded machine; short enough that a hang fails the test.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly string email;

    private OutageProject(TestProject auth, string email)
    {
        Auth = auth;
        this.email = email;
    }

    public TestProject Auth { get; }

    public static async Task<OutageProject> CreateAsync(StackFixture stack, string name)
    {
        var auth = await TestProject.CreateAsync(stack, name);
        await using (var connection = new NpgsqlConnection(auth.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                """
                CREATE TABLE public.notes (id int PRIMARY KEY, body text);
                INSERT INTO public.notes VALUES (1, 'one');
                GRANT SELECT ON public.notes TO anon, authenticated;
                NOTIFY pgrst;
                """,
                connection);
            await command.ExecuteNonQueryAsync();
        }

        var email = AuthCalls.UniqueEmail("outage");
        (await auth.SignUpAsync(email, Password)).AssertStatus(200);
        return new OutageProject(auth, email);
    }

    /// <summary>One read through each module at <paramref name="api"/>: (module, status, body) per request.</summary>
    public async Task<IReadOnlyList<(string Module, int Status, string Body)>> RoundAsync(Uri api)
    {
        var rest = Request(HttpMethod.Get, api, "/rest/v1/notes?select=id", Auth.AnonKey);
        var signIn = Request(HttpMethod.Post, api, "/auth/v1/token?grant_type=password", Auth.AnonKey);
        signIn.Headers.Add("X-Supabase-Api-Version", "2024-01-01");
        signIn.Content = new StringContent(JsonSerializer.Serialize(new { email, password = Password }), Encoding.UTF8, "application/json");
        var buckets = Request(HttpMethod.Get, api, "/storage/v1/bucket", Auth.ServiceRoleKey);

        return
        [
            await SendAsync("rest", rest),
            await SendAsync("auth", signIn),
            await SendAsync("storage", buckets),
        ];
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri api, string path, string key)
    {
        var request = new HttpRequestMessage(method, new Uri(api, path));
        request.Headers.Add("apikey", key);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private static async Task<(string, int, string)> SendAsync(string module, HttpRequestMessage request)
    {
        using (request)
        {
            try
            {
                using var limit = new CancellationTokenSource(Patience);
                using var response = await TestHttp.Client.SendAsync(request, limit.Token);
                return (module, (int)response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (TaskCanceledException)
            {
                return (module, 0, "no answer within " + Patience);
            }
        }
    }
}
