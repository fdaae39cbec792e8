package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// series is the scaling run: one point per load step for each system.
type series struct {
	pairs                    []float64
	chargeboothP99, relayP99 []float64 // ms
	chargeboothRSS, relayRSS []float64 // MiB
}

// columns are the CSV columns the chart needs, by name.
var columns = []string{"pairs", "chargebooth_p99_ms", "relay_p99_ms", "chargebooth_rss_mib", "relay_rss_mib"}

// readSeries reads the scaling CSV; columns are found by their header name.
func readSeries(r io.Reader) (series, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return series{}, fmt.Errorf("read csv: %w", err)
	}
	if len(rows) < 2 {
		return series{}, errors.New("read csv: no data rows")
	}
	idx := map[string]int{}
	for i, name := range rows[0] {
		idx[name] = i
	}
	cols := make([][]float64, len(columns))
	for c, name := range columns {
		i, ok := idx[name]
		if !ok {
			return series{}, fmt.Errorf("read csv: no column %q", name)
		}
		for n, row := range rows[1:] {
			v, err := strconv.ParseFloat(row[i], 64)
			if err != nil {
				return series{}, fmt.Errorf("read csv: row %d, %s: %w", n+2, name, err)
			}
			cols[c] = append(cols[c], v)
		}
	}
	return series{pairs: cols[0], chargeboothP99: cols[1], relayP99: cols[2], chargeboothRSS: cols[3], relayRSS: cols[4]}, nil
}

// The colours of the two systems, the same in both panels.
var (
	chargeboothColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	relayColor       = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
)

// minLog is the smallest value a log axis shows; smaller ones are drawn at it.
const minLog = 0.01

// panel makes one plot of a figure against pairs, a line for each system;
// with logY the y axis is logarithmic, so that a tail of seconds and one of
// a millisecond both show.
func panel(title, yLabel string, logY bool, x, chargebooth, relay []float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "pairs (1 reading/s per charger)"
	p.Y.Label.Text = yLabel
	if !logY {
		p.Y.Min = 0
	} else {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Y.Label.Text += " (log scale)"
	}
	p.Add(plotter.NewGrid())
	for _, l := range []struct {
		name string
		ys   []float64
		c    color.Color
	}{{"chargebooth", chargebooth, chargeboothColor}, {"relay (Node ws, in memory)", relay, relayColor}} {
		pts := make(plotter.XYs, len(x))
		for i := range x {
			pts[i].X, pts[i].Y = x[i], l.ys[i]
			if logY {
				pts[i].Y = max(pts[i].Y, minLog)
			}
		}
		line, dots, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", l.name, err)
		}
		line.Color, line.Width = l.c, vg.Points(2)
		dots.Color, dots.Shape = l.c, draw.CircleGlyph{}
		p.Add(line, dots)
		p.Legend.Add(l.name, line, dots)
	}
	p.Legend.Top, p.Legend.Left = true, true
	if logY {
		// Down to the power of ten below the smallest point.
		p.Y.Min = math.Pow(10, math.Floor(math.Log10(max(p.Y.Min, minLog))))
	}
	return p, nil
}

// render draws the two panels side by side as a PNG to w.
func render(w io.Writer, s series, subtitle string) error {
	p99, err := panel("p99 latency, charger → widget", "ms", true, s.pairs, s.chargeboothP99, s.relayP99)
	if err != nil {
		return err
	}
	rss, err := panel("server RSS (max sampled)", "MiB", false, s.pairs, s.chargeboothRSS, s.relayRSS)
	if err != nil {
		return err
	}
	if subtitle != "" {
		p99.Title.Text += "\n" + subtitle
		rss.Title.Text += "\n" + subtitle
	}
	img := vgimg.New(12*vg.Inch, 4.5*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 4, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	plots := [][]*plot.Plot{{p99, rss}}
	canvases := plot.Align(plots, tiles, dc)
	for j, p := range plots[0] {
		p.Draw(canvases[0][j])
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
		return fmt.Errorf("write png: %w", err)
	}
	return nil
}
