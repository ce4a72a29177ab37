package image

import (
	"strings"
	"time"
)

// endOfLife holds the day each release stops receiving standard security
// support, from each distribution's published lifecycle pages. Paid or
// volunteer extended support (Debian LTS/ELTS, Ubuntu ESM, RHEL ELS) is not
// counted. Dates still in the future are the distributions' announced plans.
//
// Keys are the os-release ID and the release as releaseKey reduces
// VERSION_ID: the major version for Debian and RHEL, major.minor for Alpine,
// VERSION_ID as written for Ubuntu and Amazon Linux.
var endOfLife = map[string]map[string]string{
	"debian": {
		"8":  "2018-06-17",
		"9":  "2020-07-06",
		"10": "2022-09-10",
		"11": "2024-08-14",
		"12": "2026-06-10",
		"13": "2028-08-09",
	},
	"ubuntu": {
		"14.04": "2019-04-25",
		"16.04": "2021-04-30",
		"18.04": "2023-05-31",
		"20.04": "2025-05-31",
		"22.04": "2027-06-01",
		"23.04": "2024-01-25",
		"23.10": "2024-07-11",
		"24.04": "2029-05-31",
		"24.10": "2025-07-10",
		"25.04": "2026-01-15",
	},
	"alpine": {
		"3.10": "2021-05-01",
		"3.11": "2021-11-01",
		"3.12": "2022-05-01",
		"3.13": "2022-11-01",
		"3.14": "2023-05-01",
		"3.15": "2023-11-01",
		"3.16": "2024-05-23",
		"3.17": "2024-11-22",
		"3.18": "2025-05-09",
		"3.19": "2025-11-01",
		"3.20": "2026-04-01",
		"3.21": "2026-11-01",
		"3.22": "2027-05-01",
	},
	// Red Hat Universal Base Images report ID=rhel and follow RHEL's
	// lifecycle (end of Maintenance Support).
	"rhel": {
		"7": "2024-06-30",
		"8": "2029-05-31",
		"9": "2032-05-31",
	},
	"amzn": {
		"2":    "2026-06-30",
		"2023": "2029-06-30",
	},
}

// EndOfLife returns the day the release (os-release ID and VERSION_ID)
// stops or stopped receiving standard security support, and whether
// Palisade knows it.
func EndOfLife(id, versionID string) (time.Time, bool) {
	id = strings.ToLower(strings.TrimSpace(id))
	rel, ok := endOfLife[id]
	if !ok {
		return time.Time{}, false
	}
	day, ok := rel[releaseKey(id, strings.TrimSpace(versionID))]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

func releaseKey(id, v string) string {
	switch id {
	case "debian", "rhel":
		major, _, _ := strings.Cut(v, ".")
		return major
	case "alpine":
		parts := strings.SplitN(v, ".", 3)
		if len(parts) >= 2 {
			return parts[0] + "." + parts[1]
		}
		return v
	default:
		return v
	}
}
