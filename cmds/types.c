/*
 * types: the default view of every object type: the columns a table shows
 * when the user did not choose any. A type without an entry shows all of
 * its properties.
 */
#include "config.h"

#include "format.h"

#define COLUMNS(...) ((const char *const[]){ __VA_ARGS__, NULL })

const struct type_view format_views[] = {
	{ "CommandInfo", COLUMNS("CommandType", "Name", "Role", "Synopsis") },
	{ "MemberDefinition", COLUMNS("Name", "MemberType", "Definition") },
	{ "GroupInfo", COLUMNS("Count", "Name", "Group") },
	{ "GroupInfoNoElement", COLUMNS("Count", "Name") },
	{ "MeasureInfo", COLUMNS("Count", "Average", "Sum", "Maximum", "Minimum", "Property") },
	{ "Site", COLUMNS("Identity", "DisplayName", "City", "CountryCode") },
	{ "ServiceInfo", COLUMNS("Service", "State", "Pool", "Summary") },
	{ "Pool", COLUMNS("Identity", "Site", "SipDomain", "ListenAddress", "SipPort", "TlsPort") },
	{ "User", COLUMNS("SipAddress", "DisplayName", "LineURI", "RegistrarPool", "Enabled") },
	{ "CommonAreaPhone", COLUMNS("SipAddress", "DisplayName", "LineURI", "RegistrarPool") },
	{ "PinInfo", COLUMNS("Identity", "IsPinSet", "IsLockedOut", "PinLastSet", "FailedAttempts") },
	{ "Phone", COLUMNS("MacAddress", "Brand", "Model", "Site", "Owner", "FirmwareVersion", "Status") },
	{ "PhoneModel", COLUMNS("Brand", "Model", "DeviceType", "RunsLyncPhoneEdition") },
	{ "PhoneImportResult", COLUMNS("Imported", "Updated", "Failed", "Lines", "Path") },
	{ "TestDevice", COLUMNS("Identity", "IdentifierType", "Identifier") },
	{ "DeviceRollout", COLUMNS("Identity", "Version", "Status", "Wave", "Percent", "Succeeded",
				   "Failed", "Pending") },
	{ "DeviceRolloutWave", COLUMNS("Rollout", "Wave", "Percent", "State", "Targets",
				       "Succeeded", "Failed", "Pending", "Progress") },
	{ "DeviceUpdateRule", COLUMNS("Brand", "Model", "Revision", "Locale", "ApprovedVersion",
				      "PendingVersion", "RestoreVersion") },
	{ "DeviceUpdateLog", COLUMNS("Received", "MacAddress", "FileName", "FileType", "Size") },
	{ "Registration", COLUMNS("User", "Contact", "Transport", "ExpiresIn", "Source", "UserAgent") },
	{ "Certificate", COLUMNS("Use", "Thumbprint", "Subject", "NotAfter", "Revoked") },
	{ "RegistrationTestStep", COLUMNS("Step", "Result", "Latency", "Detail") },
	{ "Administrator", COLUMNS("Name", "Role", "Enabled", "Description") },
	{ "AuditLog", COLUMNS("Time", "Administrator", "Source", "Outcome", "Command") },
	{ "DnsCheck", COLUMNS("Result", "Scope", "Type", "Record", "Found") },
	{ "DnsRecord", COLUMNS("Scope", "Name", "Type", "Value", "Required") },
	{ "DhcpOption", COLUMNS("Pool", "Option120", "Option43") },
	{ "PhoneBootstrapStep", COLUMNS("Step", "Result", "Latency", "Detail") },
	{ NULL, NULL },
};
