// Package admission decides, before the WebSocket upgrade, whether a
// charger or a widget may connect: the device policy (open, enrolled,
// authenticated), the throttle on replacing a live socket, and the caps on
// new device ids. It reads the board (the pairing table and the enrolment
// list) and stores nothing: a refused device leaves no trace in the
// stream.
package admission
