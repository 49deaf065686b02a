import { pythonIdentifiers, reservedNames } from './python-names.ts';

/**
 * The names model.py uses beside the layers' (its imports, globals and forward's argument), and
 * nn.Module's own attributes: a layer attribute named `training` or `forward` would replace them.
 * The attributes are torch 1.13's and those newer versions added.
 */
export const TORCH_RESERVED = reservedNames(
  'self image torch F nn np os INPUT_SHAPE WEIGHTS_FILE FROZEN average_without_padding MultitaskModel load_model tap',
  'frozen freeze unfreeze',
  'T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double',
  'dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule',
  'half ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters',
  'parameters register_backward_hook register_buffer register_forward_hook register_forward_pre_hook',
  'register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook',
  'register_load_state_dict_pre_hook register_module register_parameter register_state_dict_post_hook',
  'register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory state_dict',
  'to to_empty train training type xpu zero_grad',
);

/**
 * model.py's attribute for each node, by id: model.py and balancing.py (which names the trunk's
 * and each head's layers) must agree, so both take them from here.
 */
export const torchLayerNames = (nodes: readonly { readonly id: string }[]) =>
  pythonIdentifiers(
    nodes.map((n) => n.id),
    TORCH_RESERVED,
  );
