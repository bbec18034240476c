#version 330 core
// Face mesh vertex shader. Inputs follow glTF attribute names; lighting happens in view space.
// Defines injected by program.py: PART_COUNT, PART_SKIN, PART_EYES, LIGHT_COUNT.

uniform mat4 u_view;          // world -> view (rigid)
uniform mat4 u_projection;    // view -> clip
uniform mat4 u_shadow_matrix; // world -> key light clip (orthographic)
uniform float u_shadow_normal_offset;  // metres along the normal (shadow acne)

in vec3 in_position;
in vec3 in_normal;
in vec2 in_texcoord_0;
in uint in_part_id;
in vec3 in_surface;  // (ambient occlusion, LUT curvature, wet lid margin)

out vec3 v_position;   // view space
out vec3 v_normal;     // view space, not normalised
out vec2 v_texcoord;
out vec3 v_surface;
out vec3 v_shadow;     // key light NDC mapped to [0, 1]
flat out uint v_part_id;

void main() {
    vec4 position = u_view * vec4(in_position, 1.0);
    v_position = position.xyz;
    v_normal = mat3(u_view) * in_normal;
    v_texcoord = in_texcoord_0;
    v_part_id = in_part_id;
    v_surface = in_surface;
    vec4 light = u_shadow_matrix * vec4(in_position + in_normal * u_shadow_normal_offset, 1.0);
    v_shadow = light.xyz * 0.5 + 0.5;
    gl_Position = u_projection * position;
}
