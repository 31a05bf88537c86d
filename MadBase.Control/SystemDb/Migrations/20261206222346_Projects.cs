using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MadBase.Control.SystemDb.Migrations
{
    /// <inheritdoc />
    public partial class Projects : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "madbase");

            // Written by hand: EF has no API for privileges. The API roles and project login roles share this
            // cluster; none of them may look into the schema that holds every project's secrets.
            migrationBuilder.Sql("REVOKE ALL ON SCHEMA madbase FROM PUBLIC;");

            migrationBuilder.CreateTable(
                name: "projects",
                schema: "madbase",
                columns: table => new
                {
                    @ref = table.Column<string>(name: "ref", type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    db_name = table.Column<string>(type: "text", nullable: false),
                    db_url = table.Column<string>(type: "text", nullable: true),
                    jwt_secret = table.Column<string>(type: "text", nullable: false),
                    anon_key = table.Column<string>(type: "text", nullable: false),
                    service_role_key = table.Column<string>(type: "text", nullable: false),
                    authenticator_password = table.Column<string>(type: "text", nullable: false),
                    settings = table.Column<string>(type: "jsonb", nullable: false, defaultValueSql: "'{}'::jsonb"),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("projects_pkey", x => x.@ref);
                    table.UniqueConstraint("projects_db_name_key", x => x.db_name);
                    table.CheckConstraint("projects_settings_check", "jsonb_typeof(settings) = 'object'");
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "projects",
                schema: "madbase");
        }
    }
}
