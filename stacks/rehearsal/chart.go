package rehearsal

import (
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var (
	servingColor = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	readyColor   = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	faultColor   = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	alarmColor   = color.RGBA{R: 148, G: 103, B: 189, A: 255}
)

// WriteChart draws the timeline as a PNG: one panel per tier (serving and
// ready endpoints) and one for the nodes, over simulated seconds, with the
// fault and, if it fired, the stop condition marked.
func WriteChart(path string, r Result) error {
	tl := timeline(r.Samples)
	a := r.Shape.UIAlarm
	fired := alarmFiresAt(r.Tiers, window(tl), a.Period, a.EvaluationPeriods, a.DatapointsToAlarm)
	var panels []*plot.Plot
	for i, t := range r.Tiers {
		p, err := panel(t.Name, tl, fired,
			series{"serving", servingColor, false, func(s Sample) int { return s.Serving[i] }},
			series{"ready endpoints", readyColor, true, func(s Sample) int { return s.Ready[i] }})
		if err != nil {
			return err
		}
		panels = append(panels, p)
	}
	nodes, err := panel("nodes", tl, fired,
		series{"ready nodes", servingColor, false, func(s Sample) int { return s.NodesReady }},
		series{"pending pods", readyColor, true, func(s Sample) int { return s.Pending }})
	if err != nil {
		return err
	}
	nodes.X.Label.Text = "simulated seconds since the fault"
	panels = append(panels, nodes)
	panels[0].Title.Text = fmt.Sprintf("Stack %s, stage %d, %s: %s", r.Shape.Stack, r.Shape.Stage, r.Shape.Experiment.Template, r.Fault.Summary)
	return save(path, panels)
}

type series struct {
	name   string
	color  color.Color
	dashed bool
	value  func(Sample) int
}

func panel(name string, tl []Sample, fired int, ss ...series) (*plot.Plot, error) {
	p := plot.New()
	p.Y.Label.Text = name
	p.Y.Min = 0
	p.Legend.Top, p.Legend.Left = true, true
	top := 1.0
	for _, s := range ss {
		pts := make(plotter.XYs, len(tl))
		for j, sample := range tl {
			pts[j].X, pts[j].Y = sample.At.Seconds(), float64(s.value(sample))
			top = max(top, pts[j].Y)
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		l.StepStyle = plotter.PostStep
		l.Color, l.Width = s.color, vg.Points(1.5)
		if s.dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	p.Y.Max = top + 1
	if err := mark(p, 0, top+1, faultColor, "fault"); err != nil {
		return nil, err
	}
	if fired >= 0 {
		if err := mark(p, float64(fired), top+1, alarmColor, "stop condition"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// mark draws a vertical line at x.
func mark(p *plot.Plot, x, top float64, c color.Color, name string) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: top}})
	if err != nil {
		return err
	}
	l.Color, l.Width = c, vg.Points(1)
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

func save(path string, panels []*plot.Plot) error {
	rows := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		rows[i] = []*plot.Plot{p}
	}
	img := vgimg.New(10*vg.Inch, vg.Length(len(panels))*1.6*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align(rows, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[i][0])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	png := vgimg.PngCanvas{Canvas: img}
	if _, err := png.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
