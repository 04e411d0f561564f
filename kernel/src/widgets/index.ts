/**
 * Jupyter widgets from TypeScript, with ipywidgets' names and behaviour
 * (`import * as widgets from 'nnlab/widgets'`), rendered by the real
 * ipywidgets frontend (jupyterlab-manager 5, widget protocol 2.1).
 *
 * @example
 *   import * as widgets from 'nnlab/widgets';
 *   const lr = new widgets.FloatLogSlider({ value: 0.01, min: -4, max: 0, description: 'lr' });
 *   lr.observe((change) => optimizer.lr = change.new, 'value');
 *   lr   // the last expression shows the slider
 *   widgets.interact(({ n }) => n * 2, { n: [0, 10] });
 */
export {
  Widget, traits, trait, liveWidgets, serializeState, deserializeState,
  PROTOCOL_VERSION, WIDGET_VIEW_MIME, WIDGET_STATE_MIME, type Change, type ChangeHandler, type ModelSpec, type TraitSpec,
} from './widget';
export {
  Layout, DescriptionStyle, SliderStyle, ButtonStyle, ToggleButtonsStyle, CheckboxStyle, TextStyle, LabelStyle, HTMLStyle,
  DOMWidget, DescriptionWidget, IntSlider, FloatSlider, FloatLogSlider, IntRangeSlider, Play,
  Dropdown, ToggleButtons, RadioButtons, Checkbox, Button, Text, Label, HTML, Image,
  Box, HBox, VBox, GridBox, Output, Link, DirectionalLink, jslink, jsdlink, link, dlink,
  type Options, type SliderOptions, type DescriptionOptions, type DOMOptions,
} from './controls';
export { interact, interactive, fixed, Interactive, widgetFrom, type Abbreviation } from './interact';
export { Comm, openComm, registerCommTarget, commInfo, commsAvailable, type CommMessage } from '../comm';
