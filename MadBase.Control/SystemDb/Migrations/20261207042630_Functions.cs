using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MadBase.Control.SystemDb.Migrations
{
    /// <inheritdoc />
    public partial class Functions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "function_secrets",
                schema: "madbase",
                columns: table => new
                {
                    project_ref = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    value = table.Column<string>(type: "text", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("function_secrets_pkey", x => new { x.project_ref, x.name });
                    table.ForeignKey(
                        name: "function_secrets_project_ref_fkey",
                        column: x => x.project_ref,
                        principalSchema: "madbase",
                        principalTable: "projects",
                        principalColumn: "ref",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "functions",
                schema: "madbase",
                columns: table => new
                {
                    project_ref = table.Column<string>(type: "text", nullable: false),
                    slug = table.Column<string>(type: "text", nullable: false),
                    verify_jwt = table.Column<bool>(type: "boolean", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("functions_pkey", x => new { x.project_ref, x.slug });
                    table.ForeignKey(
                        name: "functions_project_ref_fkey",
                        column: x => x.project_ref,
                        principalSchema: "madbase",
                        principalTable: "projects",
                        principalColumn: "ref",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "function_versions",
                schema: "madbase",
                columns: table => new
                {
                    project_ref = table.Column<string>(type: "text", nullable: false),
                    slug = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    bundle = table.Column<byte[]>(type: "bytea", nullable: false),
                    sha256 = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("function_versions_pkey", x => new { x.project_ref, x.slug, x.version });
                    table.ForeignKey(
                        name: "function_versions_function_fkey",
                        columns: x => new { x.project_ref, x.slug },
                        principalSchema: "madbase",
                        principalTable: "functions",
                        principalColumns: new[] { "project_ref", "slug" },
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "function_secrets",
                schema: "madbase");

            migrationBuilder.DropTable(
                name: "function_versions",
                schema: "madbase");

            migrationBuilder.DropTable(
                name: "functions",
                schema: "madbase");
        }
    }
}
