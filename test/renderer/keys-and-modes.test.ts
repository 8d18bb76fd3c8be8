// Keyboard map (A.18), colour-mode cycling and view stepping (A.3).
import { describe, expect, it } from 'vitest';
import { KEY_HELP, keyAction } from '../../src/renderer/src/keys.ts';
import { COLOUR_MODES, stepColourMode, toggleChannelMode } from '../../src/renderer/src/render/colour-modes.ts';
import { stepView } from '../../src/renderer/src/render/views.ts';
import { key } from './key-event.ts';

describe('keyboard map', () => {
  const loaded2D = { hasImage: true, nZ: 1 };
  const stack = { hasImage: true, nZ: 24 };

  it('arrows and A/D move between images; Shift+arrows move in Z only for stacks', () => {
    expect(keyAction(key('ArrowRight'), loaded2D)).toEqual({ type: 'neighbour', step: 1 });
    expect(keyAction(key('a'), stack)).toEqual({ type: 'neighbour', step: -1 });
    expect(keyAction(key('ArrowLeft', { shiftKey: true }), stack)).toEqual({ type: 'plane', step: -1 });
    expect(keyAction(key('ArrowRight', { shiftKey: true }), loaded2D)).toBeNull();
  });

  it('plain keys need an image and no modifier; zoom keys always work', () => {
    expect(keyAction(key('x'), { hasImage: false, nZ: 1 })).toBeNull();
    expect(keyAction(key('x'), loaded2D)).toEqual({ type: 'toggle-masks' });
    expect(keyAction(key('Z'), loaded2D)).toEqual({ type: 'toggle-outlines' });
    expect(keyAction(key('r', { altKey: true }), loaded2D)).toBeNull();
    expect(keyAction(key('='), { hasImage: false, nZ: 1 })).toEqual({ type: 'zoom', direction: 'in' });
    expect(keyAction(key('+'), loaded2D)).toEqual({ type: 'zoom', direction: 'in' });
    expect(keyAction(key('-'), loaded2D)).toEqual({ type: 'zoom', direction: 'out' });
    expect(keyAction(key('l', { ctrlKey: true }), { hasImage: false, nZ: 1 })).toEqual({ type: 'open' });
    expect(keyAction(key('PageDown'), loaded2D)).toEqual({ type: 'view-step', step: 1 });
  });

  it('has a help row for every kind of action', () => {
    expect(KEY_HELP.length).toBeGreaterThanOrEqual(10);
    expect(KEY_HELP.some(([k]) => k.includes('Shift+←'))).toBe(true);
  });
});

describe('colour modes', () => {
  it('↑/↓ wrap over the six modes in Cellpose order', () => {
    expect(COLOUR_MODES).toEqual(['RGB', 'red', 'green', 'blue', 'gray', 'spectral']);
    expect(stepColourMode('spectral', 1)).toBe('RGB');
    expect(stepColourMode('RGB', -1)).toBe('spectral');
    let m = stepColourMode('RGB', 1);
    for (let i = 0; i < 6; i++) m = stepColourMode(m, 1); // seven steps: one full turn plus one
    expect(m).toBe('red');
  });

  it('R/G/B jump to a channel and a second press returns to RGB', () => {
    expect(toggleChannelMode('gray', 'green')).toBe('green');
    expect(toggleChannelMode('green', 'green')).toBe('RGB');
    expect(toggleChannelMode('red', 'blue')).toBe('blue');
  });
});

describe('views', () => {
  it('PageUp/PageDown skip disabled views and stay on image without a segmentation', () => {
    const none = { hasFlows: false, hasGradZ: false };
    expect(stepView('image', 1, none)).toBe('image');
    const flows2D = { hasFlows: true, hasGradZ: false };
    expect(stepView('image', 1, flows2D)).toBe('gradXY');
    expect(stepView('cellprob', 1, flows2D)).toBe('image');
    expect(stepView('image', -1, flows2D)).toBe('cellprob');
    expect(stepView('cellprob', 1, { hasFlows: true, hasGradZ: true })).toBe('gradZ');
  });
});
