// Command chargebooth runs a festival phone-charging booth: the server
// (serve), the ops tools (replay, report, rebuild) and device mocks (charger,
// widget). See DESIGN.md for the contract.
package main
