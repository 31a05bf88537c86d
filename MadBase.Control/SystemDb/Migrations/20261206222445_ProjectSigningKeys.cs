using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MadBase.Control.SystemDb.Migrations
{
    /// <inheritdoc />
    public partial class ProjectSigningKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "signing_keys",
                schema: "madbase",
                table: "projects",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.AddCheckConstraint(
                name: "projects_signing_keys_check",
                schema: "madbase",
                table: "projects",
                sql: "jsonb_typeof(signing_keys) = 'array'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "projects_signing_keys_check",
                schema: "madbase",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "signing_keys",
                schema: "madbase",
                table: "projects");
        }
    }
}
