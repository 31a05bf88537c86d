using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MadBase.Control.SystemDb.Migrations
{
    /// <inheritdoc />
    public partial class ProjectApiKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "api_keys",
                schema: "madbase",
                table: "projects",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.AddCheckConstraint(
                name: "projects_api_keys_check",
                schema: "madbase",
                table: "projects",
                sql: "jsonb_typeof(api_keys) = 'array'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "projects_api_keys_check",
                schema: "madbase",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "api_keys",
                schema: "madbase",
                table: "projects");
        }
    }
}
