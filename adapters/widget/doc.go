// Package widget is the widget WebSocket edge (port 3200,
// /widgets/{widgetId}). A hub hears every applied event from the projection
// board and queues the LED status for the paired widget; each socket has a
// bounded queue, and a widget that does not keep up is dropped instead of
// slowing the charger or any other widget.
package widget
